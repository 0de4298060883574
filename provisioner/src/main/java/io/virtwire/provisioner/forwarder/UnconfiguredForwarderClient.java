package io.virtwire.provisioner.forwarder;

import java.util.List;

/**
 * The binding when no forwarder control socket exists (cli.SelectedForwarderClient decides): records nothing.
 * Commands put {@link #describe()} in their notes so operators see that the socket has no backend.
 */
public final class UnconfiguredForwarderClient implements ForwarderClient {

    public static final String NOTE = "forwarder not configured: the vhost-user port was not registered with a backend;"
            + " start one that listens on the socket (e.g. DPDK testpmd's vhost PMD) until the virtwire forwarder is installed";

    @Override
    public void addPort(Port port) {
    }

    @Override
    public void removePort(String socketPath) {
    }

    @Override
    public List<Port> ports() {
        return List.of();
    }

    @Override
    public String describe() {
        return NOTE;
    }
}
