package io.virtwire.forwarder.port;

import io.virtwire.forwarder.config.PortConfig;

import java.io.IOException;
import java.nio.file.Path;

/** Opens the port a {@link PortConfig} describes. */
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
