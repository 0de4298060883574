package io.virtwire.forwarder.engine;

import io.virtwire.forwarder.config.PortConfig;
import io.virtwire.forwarder.port.AfPacketPort;
import io.virtwire.forwarder.port.Port;
import io.virtwire.forwarder.port.TapPort;
import io.virtwire.forwarder.port.VhostUserPort;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Opens the port a {@link PortConfig} describes: the translation from config to port, kept above both packages so
 * that the ports know nothing of the config (with {@code config -> switching -> port} that would be a cycle).
 */
public class PortFactory {

    public Port open(PortConfig c) throws IOException {
        return switch (c.typeOrDefault()) {
            case "vhost-user" -> VhostUserPort.open(c.name(), Path.of(c.socket()),
                    c.modeOrDefault().equals("client") ? VhostUserPort.Mode.CLIENT : VhostUserPort.Mode.SERVER,
                    c.queuesOrDefault(), c.queueSizeOrDefault(), c.offloadsOrDefault());
            case "tap" -> TapPort.open(c.name(), c.iface(), c.offloadsOrDefault());
            case "af-packet" -> AfPacketPort.open(c.name(), c.iface(), c.queuesOrDefault(), c.offloadsOrDefault());
            default -> throw new IllegalArgumentException("port type '" + c.type() + "' is not supported");
        };
    }
}
