package io.virtwire.provisioner.forwarder;

import io.virtwire.provisioner.VirtwireException;
import java.util.List;
import java.util.Optional;

/**
 * The virtwire forwarder's control channel as the provisioner sees it: a vhost-user port per guest NIC. The
 * provisioner registers a port before libvirt attaches the NIC (QEMU in client mode needs a listener), removes it
 * when the domain lets the socket go, and the libvirt hook re-registers a domain's ports on every start.
 *
 * <p>The CLI binds {@code io.virtwire.provisioner.cli.SelectedForwarderClient}: the forwarder's control socket
 * (io.virtwire.provisioner.forwarder.SocketForwarderClient) when it exists, else {@link UnconfiguredForwarderClient},
 * which registers nothing and says so in the command's notes, so the NIC is attached but has no backend.
 */
public interface ForwarderClient {

    /**
     * The most queue pairs a virtwire forwarder port takes (the daemon's PortConfig refuses more). virtwire's own
     * limit ({@link io.virtwire.provisioner.model.QueueCount#MAX}, the kernel's tap limit) is higher: a socket
     * served by the forwarder must stay within this one.
     */
    int MAX_QUEUES = 128;

    /**
     * A port as the forwarder needs it: the socket, the guest NIC's MAC, which side listens, and the queue pairs
     * (libvirt's {@code <driver queues='N'/>}, 1 when absent). {@code forwarderListens} is true for libvirt
     * {@code <source mode='client'>} (QEMU connects to the forwarder, and reconnects after a forwarder restart) and
     * false for {@code mode='server'} (QEMU listens, the forwarder connects). QEMU asks the backend for its queue
     * count (GET_QUEUE_NUM) and will not start a device with more pairs than the backend has, so the two must agree.
     */
    record Port(String domain, String socketPath, String mac, boolean forwarderListens, int queues) {

        public Port {
            if (queues < 1 || queues > MAX_QUEUES) {
                throw VirtwireException.invalid("--queues " + queues + " is outside 1.." + MAX_QUEUES
                        + ": a virtwire forwarder port serves at most " + MAX_QUEUES + " queue pairs");
            }
        }

        /** One queue pair. */
        public Port(String domain, String socketPath, String mac, boolean forwarderListens) {
            this(domain, socketPath, mac, forwarderListens, 1);
        }

        /** A port the forwarder listens on (QEMU in client mode: virtwire's default), one queue pair. */
        public Port(String domain, String socketPath, String mac) {
            this(domain, socketPath, mac, true);
        }
    }

    /**
     * Registers (or confirms) a port; idempotent. A port of the same socket with another queue count is refused
     * ({@link #refuseQueueMismatch}): the guest would not start, or would run with fewer queues than its XML says.
     */
    void addPort(Port port);

    /**
     * Registers a port with exactly {@code port.queues()} pairs: a port of that socket with another count is removed
     * and added again. For the libvirt hook, which runs before QEMU starts: the domain XML is what QEMU will ask for.
     * The forwarder's client refuses instead when the port has a session now (a running QEMU is on it).
     */
    default void registerForStart(Port port) {
        Optional<Port> now = port(port.socketPath());
        if (now.isPresent() && now.get().queues() != port.queues()) {
            removePort(port.socketPath());
        }
        addPort(port);
    }

    /** Removes a port; removing an unknown one is not an error. */
    void removePort(String socketPath);

    /** Ports the forwarder has now (empty when it cannot tell). */
    List<Port> ports();

    /** The forwarder's port of this socket, if it has one. */
    default Optional<Port> port(String socketPath) {
        return ports().stream().filter(p -> p.socketPath().equals(socketPath)).findFirst();
    }

    /**
     * Refuses, before anything changes, an interface whose queue count differs from that of the forwarder port
     * already serving its socket. QEMU would either loop on "you are asking more queues than supported" (the
     * guest's start hangs) or use fewer queues than {@code <driver queues>} says; both go unnoticed until then.
     */
    default void refuseQueueMismatch(String socketPath, int queues) {
        port(socketPath).filter(p -> p.queues() != queues).ifPresent(p -> {
            throw VirtwireException.conflict("the forwarder port of " + socketPath + " has " + p.queues() + " queue pair"
                    + (p.queues() == 1 ? "" : "s") + " but the interface asks for " + queues + ": QEMU would "
                    + (queues > p.queues() ? "ask for more queues than the backend has and the guest would not start"
                    : "run with fewer queues than its XML says") + ". Use --queues " + p.queues() + ", or re-create the port"
                    + " with the same count (virtwire forwarder port del NAME; virtwire forwarder port add NAME --type vhostuser"
                    + " --socket " + socketPath + " --queues " + queues + ")");
        });
    }

    /** A line for the command's notes: where ports go ("forwarder at /run/virtwire/forwarder.sock", "forwarder not configured"). */
    String describe();
}
