package io.virtwire.forwarder.control;

import com.fasterxml.jackson.databind.JsonNode;
import io.virtwire.forwarder.app.Daemon;
import io.virtwire.forwarder.config.ForwarderConfig;
import io.virtwire.forwarder.config.PortConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ports added over the control socket come back when the daemon starts again; the config's ports win a clash. */
@Timeout(60)
class RememberedPortsTest {

    @TempDir
    Path dir;

    private ForwarderConfig config(List<PortConfig> ports) {
        return new ForwarderConfig(dir.resolve("control.sock").toString(), null, dir.resolve("state").toString(),
                null, 1, null, 60, ports);
    }

    private static JsonNode ok(ControlClient c, String request) throws Exception {
        JsonNode r = c.call(request);
        assertTrue(r.get("ok").asBoolean(), "expected success for " + request + ", got " + r);
        return r.get("result");
    }

    private JsonNode portsAfterRestart(List<PortConfig> configPorts) throws Exception {
        try (Daemon again = Daemon.start(config(configPorts)); ControlClient c = new ControlClient(dir.resolve("control.sock"))) {
            return ok(c, "{\"op\":\"port.list\"}").get("ports");
        }
    }

    @Test
    void portsAddedOverTheControlSocketAreOpenedAgainAfterARestart() throws Exception {
        String vm1 = dir.resolve("vm1.sock").toString();
        String vm2 = dir.resolve("vm2.sock").toString();
        try (Daemon d = Daemon.start(config(List.of(PortConfig.vhostUser("boot", dir.resolve("boot.sock").toString(), "server"))));
             ControlClient c = new ControlClient(dir.resolve("control.sock"))) {
            ok(c, "{\"op\":\"port.add\",\"port\":{\"name\":\"vm1\",\"socket\":\"" + vm1 + "\",\"queues\":2,\"mtu\":9000,"
                    + "\"vlan\":{\"mode\":\"access\",\"id\":20}}}");
            ok(c, "{\"op\":\"port.add\",\"port\":{\"name\":\"vm2\",\"socket\":\"" + vm2 + "\"}}");
            ok(c, "{\"op\":\"port.add\",\"port\":{\"name\":\"gone\",\"socket\":\"" + dir.resolve("gone.sock") + "\"}}");
            ok(c, "{\"op\":\"port.del\",\"name\":\"gone\"}");
            JsonNode list = ok(c, "{\"op\":\"port.list\"}").get("ports");
            assertEquals("config", list.get(0).get("origin").asText());
            assertEquals("control", list.get(1).get("origin").asText());
            assertTrue(Files.exists(dir.resolve("state/ports.json")));
        }
        JsonNode ports;
        try (Daemon again = Daemon.start(config(List.of(PortConfig.vhostUser("boot", dir.resolve("boot.sock").toString(), "server"))));
             ControlClient c = new ControlClient(dir.resolve("control.sock"))) {
            ports = ok(c, "{\"op\":\"port.list\"}").get("ports");
            assertTrue(Files.exists(Path.of(vm1)), "the restored server port listens again");
        }
        assertEquals(3, ports.size(), ports.toString());
        assertEquals("boot", ports.get(0).get("name").asText());
        JsonNode p1 = ports.get(1);
        assertEquals("vm1", p1.get("name").asText());
        assertEquals("control", p1.get("origin").asText());
        assertEquals(vm1, p1.get("socket").asText());
        assertEquals(2, p1.get("queues").asInt());
        assertEquals(9000, p1.get("mtu").asInt());
        assertEquals(20, p1.get("vlan").get("id").asInt());
        assertEquals("vm2", ports.get(2).get("name").asText());
    }

    private static int mode(Path file) throws Exception {
        return (Integer) Files.getAttribute(file, "unix:mode") & 07777;
    }

    @Test
    void aRestoredServerSocketGetsTheAccessItsPredecessorHad() throws Exception {
        Path vm1 = dir.resolve("vm1.sock");
        try (Daemon d = Daemon.start(config(List.of())); ControlClient c = new ControlClient(dir.resolve("control.sock"))) {
            ok(c, "{\"op\":\"port.add\",\"port\":{\"name\":\"vm1\",\"socket\":\"" + vm1 + "\"}}");
            // what virtwire does after port.add so that QEMU's user may connect: its group, 0660
            Files.setAttribute(vm1, "unix:gid", 65534);
            Files.setAttribute(vm1, "unix:mode", 0660);
        }
        assertFalse(Files.exists(vm1), "a clean stop removes the socket file");
        try (Daemon d = Daemon.start(config(List.of()))) {
            assertEquals(0660, mode(vm1), "given again from the state file after a clean stop");
            assertEquals(65534, (int) (Integer) Files.getAttribute(vm1, "unix:gid"));
            // someone opens it to the world: recorded as it is at the clean stop, but never given back
            Files.setAttribute(vm1, "unix:mode", 0777);
        }
        try (Daemon d = Daemon.start(config(List.of()))) {
            assertEquals(0660, mode(vm1), "clamped: a restored socket is never world-accessible");
        }

        // kill -9 leaves the dead process's socket file behind, with whatever access it was given last
        try (var stale = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            stale.bind(java.net.UnixDomainSocketAddress.of(vm1));
        }
        Files.setAttribute(vm1, "unix:mode", 0640);
        try (Daemon d = Daemon.start(config(List.of()))) {
            assertEquals(0640, mode(vm1), "the stale socket's access wins over the older record");
        }

        // a socket file someone else put there says nothing about what the daemon gave: the record is used
        try (var stale = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            stale.bind(java.net.UnixDomainSocketAddress.of(vm1));
        }
        Files.setAttribute(vm1, "unix:mode", 0666);
        Files.setAttribute(vm1, "unix:uid", 65534, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        try (Daemon d = Daemon.start(config(List.of()))) {
            assertEquals(0640, mode(vm1), "not 0666 from the foreign socket file");
        }
    }

    @Test
    void addingAPortUnderTheNameOfOneThatCouldNotBeOpenedReplacesIt() throws Exception {
        Path taken = dir.resolve("taken.sock");
        try (Daemon d = Daemon.start(config(List.of())); ControlClient c = new ControlClient(dir.resolve("control.sock"))) {
            ok(c, "{\"op\":\"port.add\",\"port\":{\"name\":\"a\",\"socket\":\"" + taken + "\"}}");
        }
        Files.writeString(taken, "not a socket");
        Path other = dir.resolve("other.sock");
        try (Daemon again = Daemon.start(config(List.of())); ControlClient c = new ControlClient(dir.resolve("control.sock"))) {
            ok(c, "{\"op\":\"port.add\",\"port\":{\"name\":\"a\",\"socket\":\"" + other + "\"}}");
            assertEquals("[]", ok(c, "{\"op\":\"health\"}").get("portsNotRestored").toString());
        }
        JsonNode ports = portsAfterRestart(List.of());
        assertEquals(1, ports.size(), "one port named a, not two: " + ports);
        assertEquals(other.toString(), ports.get(0).get("socket").asText());
    }

    @Test
    void theConfigWinsANameClashAndTheRememberedPortIsDropped() throws Exception {
        try (Daemon d = Daemon.start(config(List.of())); ControlClient c = new ControlClient(dir.resolve("control.sock"))) {
            ok(c, "{\"op\":\"port.add\",\"port\":{\"name\":\"vm1\",\"socket\":\"" + dir.resolve("dynamic.sock") + "\"}}");
        }
        String fromConfig = dir.resolve("config.sock").toString();
        JsonNode ports = portsAfterRestart(List.of(PortConfig.vhostUser("vm1", fromConfig, "server")));
        assertEquals(1, ports.size(), ports.toString());
        assertEquals(fromConfig, ports.get(0).get("socket").asText());
        assertEquals("config", ports.get(0).get("origin").asText());
        assertFalse(Files.exists(dir.resolve("dynamic.sock")), "the clashing remembered port was not opened");
        assertEquals(0, portsAfterRestart(List.of()).size(), "and is not remembered any more");
    }

    @Test
    void aCorruptStateFileIsMovedAsideReportedAndTheDaemonStartsWithTheConfigsPorts() throws Exception {
        Files.createDirectories(dir.resolve("state"));
        Files.writeString(dir.resolve("state/ports.json"), "{\"version\":1,\"ports\":[{\"name\":");
        try (Daemon d = Daemon.start(config(List.of(PortConfig.vhostUser("boot", dir.resolve("boot.sock").toString(), "server"))));
             ControlClient c = new ControlClient(dir.resolve("control.sock"))) {
            JsonNode health = ok(c, "{\"op\":\"health\"}");
            String problem = health.get("stateProblem").asText();
            assertTrue(problem.contains(dir.resolve("state/ports.json").toString()), problem);
            assertTrue(problem.contains("moved aside"), problem);
            assertEquals(1, health.get("ports").asInt(), "the config's port runs");
            ok(c, "{\"op\":\"port.add\",\"port\":{\"name\":\"vm2\",\"socket\":\"" + dir.resolve("vm2.sock") + "\"}}");
        }
        try (Stream<Path> s = Files.list(dir.resolve("state"))) {
            List<Path> aside = s.filter(p -> p.getFileName().toString().startsWith("ports.json.bad-")).toList();
            assertEquals(1, aside.size());
            assertEquals("{\"version\":1,\"ports\":[{\"name\":", Files.readString(aside.get(0)), "the evidence is kept");
        }
        assertEquals(2, portsAfterRestart(List.of(PortConfig.vhostUser("boot", dir.resolve("boot.sock").toString(), "server"))).size(),
                "ports added after the problem are remembered in a fresh file");
    }

    @Test
    void aRememberedPortThatCannotBeOpenedAgainIsSkippedAndTheRestStart() throws Exception {
        Path taken = dir.resolve("taken.sock");
        try (Daemon d = Daemon.start(config(List.of())); ControlClient c = new ControlClient(dir.resolve("control.sock"))) {
            ok(c, "{\"op\":\"port.add\",\"port\":{\"name\":\"a\",\"socket\":\"" + taken + "\"}}");
            ok(c, "{\"op\":\"port.add\",\"port\":{\"name\":\"b\",\"socket\":\"" + dir.resolve("b.sock") + "\"}}");
        }
        // while the daemon is down something else puts a regular file where a's socket was
        Files.deleteIfExists(taken);
        Files.writeString(taken, "not a socket");
        try (Daemon again = Daemon.start(config(List.of())); ControlClient c = new ControlClient(dir.resolve("control.sock"))) {
            JsonNode ports = ok(c, "{\"op\":\"port.list\"}").get("ports");
            assertEquals(1, ports.size(), ports.toString());
            assertEquals("b", ports.get(0).get("name").asText());
            assertEquals("[\"a\"]", ok(c, "{\"op\":\"health\"}").get("portsNotRestored").toString());
        }
        assertEquals("not a socket", Files.readString(taken), "never touched");
        // still remembered (a clean stop kept it): once the path is free again, the next start opens it
        Files.delete(taken);
        assertEquals(2, portsAfterRestart(List.of()).size());

        // and port.del forgets a port that could not be opened
        Files.writeString(taken, "not a socket");
        try (Daemon again = Daemon.start(config(List.of())); ControlClient c = new ControlClient(dir.resolve("control.sock"))) {
            assertEquals("a", ok(c, "{\"op\":\"port.del\",\"name\":\"a\"}").get("removed").asText());
            assertEquals("[]", ok(c, "{\"op\":\"health\"}").get("portsNotRestored").toString());
            assertEquals("UNKNOWN_PORT", c.call("{\"op\":\"port.del\",\"name\":\"a\"}").get("error").get("kind").asText());
        }
        Files.delete(taken);
        JsonNode last = portsAfterRestart(List.of());
        assertEquals(1, last.size(), "a was forgotten: " + last);

    }
}
