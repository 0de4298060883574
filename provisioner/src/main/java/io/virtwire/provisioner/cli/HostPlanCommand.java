package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.host.profile.HostAccess;
import io.virtwire.provisioner.host.profile.Plan;
import io.virtwire.provisioner.host.profile.Planner;
import jakarta.inject.Inject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Print the ordered steps that would converge this host to the profile; changes nothing.")
public final class HostPlanCommand implements Runnable {

    private final GlobalOptions globals;
    private final Output output;
    private final HostAccess.Factory hosts;
    private final CliIo io;

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "HOST.YAML", description = "the host profile ('-' for stdin)")
    Path file;

    @Inject
    public HostPlanCommand(GlobalOptions globals, Output output, HostAccess.Factory hosts, CliIo io) {
        this.globals = globals;
        this.output = output;
        this.hosts = hosts;
        this.io = io;
    }

    /**
     * The JSON of "virtwire host plan" and "host apply --dry-run".
     *
     * @param changed        whether running the plan would change the host (steps is not empty)
     *
     * @param rebootRequired whether the running kernel gets all of the profile only by booting again
     * @param rebootReasons  why (each kernel parameter missing from /proc/cmdline, each loaded module's new options)
     * @param cmdline        the running kernel's command line (/proc/cmdline) and the next boot's once the plan ran
     */
    public record PlanResult(String profile, boolean changed, List<String> steps, boolean rebootRequired, List<String> rebootReasons,
                             Cmdline cmdline) {

        static PlanResult of(String profile, Plan plan) {
            return new PlanResult(profile, !plan.isEmpty(), plan.commands(), plan.boot().rebootRequired(), plan.boot().reasons(),
                    new Cmdline(plan.boot().current(), plan.boot().nextBoot()));
        }
    }

    /** @param current /proc/cmdline; @param nextBoot what the boot loader passes next time, after this plan */
    public record Cmdline(String current, String nextBoot) {
    }

    @Override
    public void run() {
        Plan plan = new Planner().plan(ProfileLoader.load(file, io), hosts.open(globals.hostRoot()).inventory());
        PlanResult result = PlanResult.of(file.toString(), plan);
        output.emit(result, out -> render(result, out));
    }

    static void render(PlanResult result, PrintWriter out) {
        if (!result.changed()) {
            out.println("The host already matches " + result.profile() + ": nothing to do.");
        } else {
            out.println("Plan for " + result.profile() + ": " + result.steps().size() + " steps");
            for (int i = 0; i < result.steps().size(); i++) {
                out.printf("%3d. %s%n", i + 1, result.steps().get(i));
            }
        }
        renderReboot(result.rebootRequired(), result.rebootReasons(), result.cmdline(), out);
    }

    static void renderReboot(boolean required, List<String> reasons, Cmdline cmdline, PrintWriter out) {
        if (cmdline != null && cmdline.current() != null && cmdline.nextBoot() != null) {
            out.println("Kernel command line now:       " + cmdline.current());
            out.println("Kernel command line next boot: " + cmdline.nextBoot());
        }
        if (required) {
            out.println("Reboot required:");
            reasons.forEach(r -> out.println("  " + r));
        }
    }
}
