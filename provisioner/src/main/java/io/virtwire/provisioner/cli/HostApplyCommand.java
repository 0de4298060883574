package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.host.profile.Applier;
import io.virtwire.provisioner.host.profile.ApplyReport;
import io.virtwire.provisioner.host.profile.HostAccess;
import io.virtwire.provisioner.host.profile.Plan;
import io.virtwire.provisioner.host.profile.Planner;
import jakarta.inject.Inject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "apply", mixinStandardHelpOptions = true,
        description = {"Converge this host to the profile and print what changed. Running it again changes nothing.",
                "If a step fails, the steps already done in this run are undone and the failed step and the kernel's answer are reported."})
public final class HostApplyCommand implements Callable<Integer> {

    private final GlobalOptions globals;
    private final Output output;
    private final HostAccess.Factory hosts;
    private final CliIo io;

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "HOST.YAML", description = "the host profile ('-' for stdin)")
    Path file;

    @Option(names = "--dry-run", description = "print the plan and change nothing")
    boolean dryRun;

    @Inject
    public HostApplyCommand(GlobalOptions globals, Output output, HostAccess.Factory hosts, CliIo io) {
        this.globals = globals;
        this.output = output;
        this.hosts = hosts;
        this.io = io;
    }

    @Override
    public Integer call() {
        HostAccess host = hosts.open(globals.hostRoot());
        Plan plan = new Planner().plan(ProfileLoader.load(file, io), host.inventory());
        if (dryRun) {
            HostPlanCommand.PlanResult result = new HostPlanCommand.PlanResult(file.toString(), !plan.isEmpty(), plan.commands());
            output.emit(result, out -> HostPlanCommand.render(result, out));
            return ExitCode.OK;
        }
        ApplyReport report = new Applier().apply(plan, host.actions());
        output.emit(report, out -> render(report, out));
        if (report.failed()) {
            io.err().println("virtwire: error: step failed: " + report.failedStep() + ": " + report.error()
                    + (report.rollbackErrors().isEmpty() ? "; the steps done before it were rolled back" : "; rollback was incomplete"));
            return ExitCode.HOST_ERROR;
        }
        return ExitCode.OK;
    }

    static void render(ApplyReport report, PrintWriter out) {
        if (report.failed()) {
            out.println("FAILED: " + report.failedStep());
            out.println("  " + report.error());
            if (!report.rolledBack().isEmpty()) {
                out.println("Rolled back:");
                report.rolledBack().forEach(s -> out.println("  " + s));
            }
            if (!report.rollbackErrors().isEmpty()) {
                out.println("Rollback failed for:");
                report.rollbackErrors().forEach(s -> out.println("  " + s));
            }
            return;
        }
        if (!report.changed()) {
            out.println("No changes: the host already matches the profile.");
            return;
        }
        out.println("Changed (" + report.applied().size() + " steps):");
        report.applied().forEach(s -> out.println("  " + s));
    }
}
