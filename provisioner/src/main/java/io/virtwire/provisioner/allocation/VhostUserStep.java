package io.virtwire.provisioner.allocation;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.forwarder.ForwarderClient;
import io.virtwire.provisioner.forwarder.QemuSocketAccess;
import io.virtwire.provisioner.libvirt.xml.VhostUserInterface;
import io.virtwire.provisioner.model.MacAddress;
import io.virtwire.provisioner.model.QueueCount;
import io.virtwire.provisioner.model.UnixSocketPath;
import io.virtwire.provisioner.nic.InterfaceService;
import io.virtwire.provisioner.nic.NicChange;
import io.virtwire.provisioner.nic.NicRequest;
import io.virtwire.provisioner.state.Allocation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A new socket name under virtwire's socket directory, a forwarder port on it (the host change), attached as
 * {@code <interface type='vhostuser'>}.
 */
final class VhostUserStep implements DeviceStep<NicChange> {

    private final InterfaceService nics;
    private final AllocationRequest.VhostUser req;

    VhostUserStep(InterfaceService nics, AllocationRequest.VhostUser req) {
        this.nics = nics;
        this.req = req;
    }

    @Override
    public AttachPlan<NicChange> plan(AttachRun run) {
        LifecycleContext ctx = run.ctx();
        UnixSocketPath socket = freeSocket(run);
        MacAddress mac = run.mac(req.mac());
        boolean client = req.mode() == VhostUserInterface.Mode.CLIENT;
        // the forwarder port gets the queue pairs the XML will ask for (1 without <driver queues>); the Port refuses
        // more than a forwarder port takes, before the record, the forwarder or libvirt is touched
        ForwarderClient.Port port = new ForwarderClient.Port(run.domainName(), socket.toString(), mac.toString(), client,
                req.queues().map(QueueCount::value).orElse(1));
        NicRequest.VhostUser nic = new NicRequest.VhostUser(socket, req.mode(), Optional.of(mac), req.queues(),
                client ? Optional.of(NicRequest.DEFAULT_RECONNECT_SECONDS) : Optional.empty());
        Allocation pending = new Allocation("vhostuser", socket.toString(), run.domainName(), Allocation.PENDING, null, null, null, null, null,
                mac.toString(), ProcessHandle.current().pid());
        return new AttachPlan<>(pending, "vhost-user socket " + socket, "the socket", new PortChange(ctx, port),
                printOnly -> nics.attach(ctx.gateway(), run.domain(), nic, run.scope(), req.fixMemory(), printOnly), List.of());
    }

    private static UnixSocketPath freeSocket(AttachRun run) {
        Path dir = run.ctx().socketDir();
        String base = run.domainName().replaceAll("[^A-Za-z0-9_.-]", "_");
        for (int n = 0; n < 4096; n++) {
            String p = dir.resolve(base + "-" + n + ".sock").toString();
            if (run.held().holder(p).isEmpty() && run.session().record().find(p).isEmpty() && !Files.exists(Path.of(p))) {
                try {
                    return new UnixSocketPath(p);
                } catch (IllegalArgumentException e) {
                    throw VirtwireException.invalid(e.getMessage() + " (the domain name makes it too long; set VIRTWIRE_RUN_DIR to a shorter directory)");
                }
            }
        }
        throw VirtwireException.conflict("no free socket name for '" + run.domainName() + "' under " + dir);
    }

    /** The forwarder port on the socket; the socket directory is prepared for QEMU first. */
    private record PortChange(LifecycleContext ctx, ForwarderClient.Port port) implements HostChange {

        @Override
        public String what() {
            return "the forwarder port on " + port.socketPath();
        }

        @Override
        public List<String> apply() {
            // QEMU (user libvirt-qemu, or qemu) must reach the socket and, in server mode, create it
            QemuSocketAccess.prepareDirectory(ctx.socketDir());
            ctx.forwarder().addPort(port);
            return List.of(ctx.forwarder().describe());
        }

        @Override
        public String undo() {
            try {
                ctx.forwarder().removePort(port.socketPath());
            } catch (RuntimeException ignored) {
                // the port may never have been added
            }
            return "removed the forwarder port";
        }

        @Override
        public List<String> preview() {
            return List.of();
        }
    }
}
