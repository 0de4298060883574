package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.aer.AerWatcher;
import io.virtwire.provisioner.host.profile.HostAccess;
import io.virtwire.provisioner.libvirt.LibvirtConnector;
import io.virtwire.provisioner.state.HookLog;
import io.virtwire.provisioner.state.StateStore;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "watch", mixinStandardHelpOptions = true,
        description = "Follow the AER counters of PFs whose VFs are assigned; on an error re-apply the VFs' settings and,"
                + " with --policy reattach, re-plug the VFs in their guests (foreground; see packaging/systemd/virtwire-watch.service).")
public final class WatchCommand implements Callable<Integer> {

    public static final String LOG = "watch.log";

    @Option(names = "--interval", paramLabel = "S", description = "seconds between samples (default: 5; fractions allowed)")
    double interval = 5;

    @Option(names = "--policy", paramLabel = "POLICY", description = "report (re-apply VF settings, log) or reattach (also re-plug VFs live)")
    AerWatcher.Policy policy = AerWatcher.Policy.report;

    @Option(names = "--once", description = "take one sample, handle what rose since the last one, and exit")
    boolean once;

    private final GlobalOptions globals;
    private final HostAccess.Factory hosts;
    private final LibvirtConnector connector;
    private final Output output;
    private final CliIo io;

    @Inject
    WatchCommand(GlobalOptions globals, HostAccess.Factory hosts, LibvirtConnector connector, Output output, CliIo io) {
        this.globals = globals;
        this.hosts = hosts;
        this.connector = connector;
        this.output = output;
        this.io = io;
    }

    /** --once's JSON. */
    public record WatchReport(String policy, List<AerWatcher.Event> events) {
    }

    @Override
    public Integer call() {
        if (!(interval >= 0.05 && interval <= 3600)) {
            throw VirtwireException.invalid("invalid --interval " + interval + ": expected seconds between 0.05 and 3600");
        }
        AerWatcher watcher = new AerWatcher(hosts.open(globals.hostRoot()), new StateStore(globals.stateDir()), policy,
                () -> connector.open(globals.connectUri()), new HookLog(globals.stateDir().resolve(LOG), io.err(), "watch"),
                Duration.ofSeconds(60), Duration.ofSeconds(30));
        if (once) {
            WatchReport report = new WatchReport(policy.name(), watcher.poll());
            output.emit(report, out -> {
                if (report.events().isEmpty()) {
                    out.println("no AER counter rose on a watched PF");
                }
                report.events().forEach(e -> print(out, e));
            });
            return ExitCode.OK;
        }
        try {
            watcher.run(Duration.ofMillis((long) (interval * 1000)), e -> {
                if (globals.json()) {
                    output.printJson(e);
                } else {
                    print(output.out(), e);
                }
                output.out().flush();
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // asked to stop: a normal end for a foreground watcher
        }
        return ExitCode.OK;
    }

    private static void print(java.io.PrintWriter out, AerWatcher.Event e) {
        out.println(e.time() + " PF " + e.pf() + " (" + e.pfNetdev() + "): AER " + e.severity() + " error");
        e.actions().forEach(a -> out.println("  " + a));
    }
}
