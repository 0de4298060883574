package io.virtwire.provisioner.lifecycle;

import java.util.List;

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
     * A port as the forwarder needs it: the socket, the guest NIC's MAC, and which side listens. {@code forwarderListens}
     * is true for libvirt {@code <source mode='client'>} (QEMU connects to the forwarder, and reconnects after a forwarder
     * restart) and false for {@code mode='server'} (QEMU listens, the forwarder connects).
     */
    record Port(String domain, String socketPath, String mac, boolean forwarderListens) {

        /** A port the forwarder listens on (QEMU in client mode: virtwire's default). */
        public Port(String domain, String socketPath, String mac) {
            this(domain, socketPath, mac, true);
        }
    }

    /** Registers (or confirms) a port; idempotent. */
    void addPort(Port port);

    /** Removes a port; removing an unknown one is not an error. */
    void removePort(String socketPath);

    /** Ports the forwarder has now (empty when it cannot tell). */
    List<Port> ports();

    /** A line for the command's notes: where ports go ("forwarder at /run/virtwire/forwarder.sock", "forwarder not configured"). */
    String describe();
}
