package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.VirtwireException;
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
                "If a step fails, the steps already done in this run are undone and the failed step and the kernel's answer are reported.",
                "Kernel parameters are written for the next boot; the output says when a reboot is required (rebootRequired in JSON).",
                "--boot is what virtwire-host.service runs at every boot: it re-applies " + HostApplyCommand.BOOT_PROFILE
                        + " (VFs, VF MACs/VLANs, switchdev, vDPA devices, hugepages, modules) before libvirt starts."})
public final class HostApplyCommand implements Callable<Integer> {

    private final GlobalOptions globals;
    private final Output output;
    private final HostAccess.Factory hosts;
    private final CliIo io;

    /** The profile virtwire-host.service re-applies at boot. */
    static final String BOOT_PROFILE = "/etc/virtwire/host.yaml";

    @Option(names = {"-f", "--file"}, paramLabel = "HOST.YAML",
            description = "the host profile ('-' for stdin); required unless --boot, which defaults to " + BOOT_PROFILE)
    Path file;

    @Option(names = "--dry-run", description = "print the plan and change nothing")
    boolean dryRun;

    @Option(names = "--no-reboot-needed", description = "refuse (exit 2, nothing changed) if the profile needs a reboot to take full effect")
    boolean noRebootNeeded;

    @Option(names = "--boot", description = "boot-time re-apply (virtwire-host.service): profile defaults to " + BOOT_PROFILE
            + " under --host-root; parameters still missing from /proc/cmdline are a warning, not a failure")
    boolean boot;

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
        Path profile = file;
        if (profile == null) {
            if (!boot) {
                throw VirtwireException.invalid("host apply needs the profile: -f HOST.YAML (or --boot, which reads " + BOOT_PROFILE + ")");
            }
            profile = host.paths().resolve(BOOT_PROFILE);
        }
        Plan plan = new Planner().plan(ProfileLoader.load(profile, io), host.inventory());
        if (noRebootNeeded && plan.boot().rebootRequired()) {
            throw VirtwireException.invalid("--no-reboot-needed: the profile needs a reboot to take full effect ("
                    + String.join("; ", plan.boot().reasons()) + "); nothing was changed. Drop --no-reboot-needed to write the boot "
                    + "configuration now and reboot later, or remove those entries from the profile");
        }
        if (dryRun) {
            HostPlanCommand.PlanResult result = HostPlanCommand.PlanResult.of(profile.toString(), plan);
            output.emit(result, out -> HostPlanCommand.render(result, out));
            return ExitCode.OK;
        }
        ApplyReport report = new Applier().apply(plan, host.actions());
        output.emit(report, out -> render(report, out));
        if (report.failed()) {
            io.err().println("virtwire: error: step failed: " + report.failedStep() + ": " + report.error().message()
                    + (report.rollbackErrors().isEmpty() ? "; the steps done before it were rolled back" : "; rollback was incomplete"));
            return ExitCode.HOST_ERROR;
        }
        if (boot && report.rebootRequired()) {
            // at boot the boot loader config was written by an earlier apply: still missing means it did not take
            io.err().println("virtwire: warning: booted without what the profile asks of the kernel: " + String.join("; ", report.rebootReasons())
                    + " (doctor id reboot-pending)");
        }
        return ExitCode.OK;
    }

    static void render(ApplyReport report, PrintWriter out) {
        if (report.failed()) {
            out.println("FAILED: " + report.failedStep());
            out.println("  " + report.error().message());
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
        } else {
            out.println("Changed (" + report.applied().size() + " steps):");
            report.applied().forEach(s -> out.println("  " + s));
        }
        HostPlanCommand.renderReboot(report.rebootRequired(), report.rebootReasons(), null, out);
    }
}
