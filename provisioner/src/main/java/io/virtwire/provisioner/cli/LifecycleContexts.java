package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.allocation.LifecycleContext;
import io.virtwire.provisioner.forwarder.ForwarderClient;
import io.virtwire.provisioner.host.profile.HostAccess;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import io.virtwire.provisioner.state.StateStore;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Builds the {@link LifecycleContext} of one invocation from the global options and the environment:
 * VIRTWIRE_RUN_DIR (socket directory, default /run/virtwire), VIRTWIRE_LOCK_TIMEOUT (seconds to wait for another
 * invocation, default 120), and the test hook VIRTWIRE_TEST_PAUSE_AFTER_HOST_CHANGE (seconds to sleep after the host
 * was changed and before libvirt is asked, announced on stderr, so a test can kill -9 the process there).
 */
public final class LifecycleContexts {

    public static final String DEFAULT_RUN_DIR = "/run/virtwire";
    public static final String PAUSE_ENV = "VIRTWIRE_TEST_PAUSE_AFTER_HOST_CHANGE";
    public static final String PAUSE_MARKER = "virtwire: test hook: paused after the host change";

    private final GlobalOptions globals;
    private final HostAccess.Factory hosts;
    private final ForwarderClient forwarder;
    private final CliIo io;

    @Inject
    LifecycleContexts(GlobalOptions globals, HostAccess.Factory hosts, ForwarderClient forwarder, CliIo io) {
        this.globals = globals;
        this.hosts = hosts;
        this.forwarder = forwarder;
        this.io = io;
    }

    /**
     * Reconciles the record with libvirt after a command that changed NICs without allocating (detach, attach --vf),
     * so freed devices are released and named ones adopted at once. Only where virtwire keeps a record (no state
     * directory is created for users who never allocate); the NIC change itself has happened, so a failure here is a
     * note, and the next command reconciles.
     */
    public java.util.List<String> reconcileIfRecorded(LibvirtGateway gw, io.virtwire.provisioner.allocation.AllocationService allocations) {
        if (!java.nio.file.Files.exists(globals.stateDir().resolve(StateStore.RECORD))) {
            return java.util.List.of();
        }
        try {
            LifecycleContext ctx = open(gw);
            try (StateStore.Session session = ctx.store().open(ctx.lockTimeout())) {
                return allocations.reconcile(ctx, session).changes().stream().map(c -> "reconciled: " + c).toList();
            }
        } catch (VirtwireException e) {
            return java.util.List.of("the allocation record was not updated (" + e.getMessage() + "); the next virtwire command reconciles it");
        }
    }

    public LifecycleContext open(LibvirtGateway gw) {
        Environment env = globals.environment();
        Path runDir = Path.of(env.get("VIRTWIRE_RUN_DIR").orElse(DEFAULT_RUN_DIR));
        if (!runDir.isAbsolute()) {
            throw VirtwireException.invalid("VIRTWIRE_RUN_DIR '" + runDir + "' must be an absolute path (QEMU resolves socket paths itself)");
        }
        long timeout;
        try {
            timeout = Long.parseLong(env.get("VIRTWIRE_LOCK_TIMEOUT").orElse("120"));
        } catch (NumberFormatException e) {
            throw VirtwireException.invalid("VIRTWIRE_LOCK_TIMEOUT '" + env.get("VIRTWIRE_LOCK_TIMEOUT").orElse("") + "' must be a number of seconds");
        }
        Runnable pause = env.get(PAUSE_ENV).map(s -> (Runnable) () -> {
            io.err().println(PAUSE_MARKER);
            io.err().flush();
            try {
                Thread.sleep(Duration.ofSeconds(Long.parseLong(s)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }).orElse(() -> {
        });
        return new LifecycleContext(gw, hosts.open(globals.hostRoot()), new StateStore(globals.stateDir()), forwarder, runDir.normalize(),
                Duration.ofSeconds(timeout), pause);
    }
}
