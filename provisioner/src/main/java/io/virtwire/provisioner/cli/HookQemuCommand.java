package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.forwarder.ForwarderClient;
import io.virtwire.provisioner.hook.QemuHook;
import io.virtwire.provisioner.host.profile.HostAccess;
import io.virtwire.provisioner.state.HookLog;
import io.virtwire.provisioner.state.StateStore;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * Called by libvirtd through the installed hook script. Prints nothing on stdout: for migrate and restore libvirt
 * reads stdout as the (filtered) domain XML, and empty means unchanged. Everything goes to the hook log and stderr.
 */
@Command(name = "qemu", mixinStandardHelpOptions = true,
        description = "Run as libvirt's qemu hook: DOMAIN OP SUBOP [EXTRA], the domain XML on stdin (never calls libvirt).")
public final class HookQemuCommand implements Callable<Integer> {

    public static final String LOG = "hook.log";
    /** The hook must not hold up libvirtd: wait at most this long for another virtwire invocation's lock. */
    public static final Duration LOCK_TIMEOUT = Duration.ofSeconds(20);

    @Parameters(index = "0", paramLabel = "DOMAIN")
    String domain;

    @Parameters(index = "1", paramLabel = "OP", description = "prepare, start, started, stopped, release, migrate, restore, reconnect, attach")
    String op;

    @Parameters(index = "2", paramLabel = "SUBOP", defaultValue = "-")
    String subOp;

    @Parameters(index = "3..*", paramLabel = "EXTRA")
    List<String> extra;

    private final GlobalOptions globals;
    private final HostAccess.Factory hosts;
    private final ForwarderClient forwarder;
    private final CliIo io;

    @Inject
    HookQemuCommand(GlobalOptions globals, HostAccess.Factory hosts, ForwarderClient forwarder, CliIo io) {
        this.globals = globals;
        this.hosts = hosts;
        this.forwarder = forwarder;
        this.io = io;
    }

    @Override
    public Integer call() {
        HookLog log = new HookLog(globals.stateDir().resolve(LOG), io.err(), "hook");
        String xml = "";
        if (QemuHook.HANDLED.contains(op)) {
            try {
                xml = new String(io.in().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new VirtwireException(VirtwireException.Kind.HOST, "cannot read the domain XML on stdin: " + e, e);
            }
        }
        Path runDir = Path.of(globals.environment().get("VIRTWIRE_RUN_DIR").orElse(LifecycleContexts.DEFAULT_RUN_DIR));
        QemuHook hook = new QemuHook(hosts.open(globals.hostRoot()), new StateStore(globals.stateDir()), forwarder, runDir.normalize(),
                LOCK_TIMEOUT, log);
        hook.run(domain, op, subOp, xml);
        return ExitCode.OK;
    }
}
