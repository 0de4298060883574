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
 * VIRTWIRE_RUN_DIR (socket directory, default /run/virtwire) and VIRTWIRE_LOCK_TIMEOUT (seconds to wait for another
 * invocation, default 120).
 */
public final class LifecycleContexts {

    public static final String DEFAULT_RUN_DIR = "/run/virtwire";

    private final GlobalOptions globals;
    private final HostAccess.Factory hosts;
    private final ForwarderClient forwarder;

    @Inject
    LifecycleContexts(GlobalOptions globals, HostAccess.Factory hosts, ForwarderClient forwarder) {
        this.globals = globals;
        this.hosts = hosts;
        this.forwarder = forwarder;
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
        return new LifecycleContext(gw, hosts.open(globals.hostRoot()), new StateStore(globals.stateDir()), forwarder, runDir.normalize(),
                Duration.ofSeconds(timeout));
    }
}
