package io.virtwire.forwarder.control;

import io.virtwire.forwarder.app.Daemon;
import io.virtwire.forwarder.config.ForwarderConfig;
import io.virtwire.forwarder.config.PortConfig;

import java.nio.file.Path;
import java.util.List;

/**
 * A daemon whose control socket, state and one vhost-user server port (named {@code firstPort}) live in {@code dir},
 * with a client connected to its control socket: the control tests' common starting point.
 */
record DaemonWithClient(Daemon daemon, ControlClient client) implements AutoCloseable {

    static DaemonWithClient start(Path dir, String firstPort) throws Exception {
        ForwarderConfig config = new ForwarderConfig(dir.resolve("control.sock").toString(), null,
                dir.resolve("state").toString(), null, 1, null, 60,
                List.of(PortConfig.vhostUser(firstPort, dir.resolve(firstPort + ".sock").toString(), "server")));
        Daemon daemon = Daemon.start(config);
        return new DaemonWithClient(daemon, new ControlClient(dir.resolve("control.sock")));
    }

    @Override
    public void close() throws Exception {
        client.close();
        daemon.close();
    }
}
