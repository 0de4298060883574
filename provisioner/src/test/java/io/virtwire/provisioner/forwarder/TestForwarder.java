package io.virtwire.provisioner.forwarder;

import io.virtwire.forwarder.app.Daemon;
import io.virtwire.forwarder.config.ForwarderConfig;

import java.nio.file.Path;
import java.util.List;

/** The real forwarder daemon, in-process, with its control socket and state under a test directory. */
public final class TestForwarder implements AutoCloseable {

    private final Daemon daemon;
    private final Path control;

    private TestForwarder(Daemon daemon, Path control) {
        this.daemon = daemon;
        this.control = control;
    }

    public static TestForwarder start(Path dir) throws Exception {
        Path control = dir.resolve("fwd.sock");
        ForwarderConfig config = new ForwarderConfig(control.toString(), null, dir.resolve("fwd-state").toString(), null, 1, null, 60, List.of());
        return new TestForwarder(Daemon.start(config), control);
    }

    public Path control() {
        return control;
    }

    public Daemon daemon() {
        return daemon;
    }

    /** The daemon's own view of its ports, by name (not through the control socket the tests exercise). */
    public List<String> portNames() {
        return daemon.forwarder().ports().stream().map(p -> p.name()).toList();
    }

    public String socketOf(String name) {
        var c = daemon.forwarder().configOf(name);
        return c == null ? null : c.socket();
    }

    @Override
    public void close() throws Exception {
        daemon.close();
    }
}
