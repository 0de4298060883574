package io.virtwire.forwarder.control;

import com.fasterxml.jackson.databind.JsonNode;
import io.virtwire.forwarder.app.Daemon;
import io.virtwire.forwarder.config.ForwarderConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every control operation and every refused input, over the daemon's real control socket. */
@Timeout(60)
class ControlApiTest {

    @TempDir
    Path dir;

    private DaemonWithClient running;
    private Daemon daemon;
    private ControlClient client;

    @BeforeEach
    void start() throws Exception {
        running = DaemonWithClient.start(dir, "boot");
        daemon = running.daemon();
        client = running.client();
    }

    @AfterEach
    void stop() throws Exception {
        running.close();
    }

    private JsonNode ok(String request) throws Exception {
        JsonNode r = client.call(request);
        assertTrue(r.get("ok").asBoolean(), "expected success for " + request + ", got " + r);
        return r.get("result");
    }

    private void refused(String request, String code, String messagePart) throws Exception {
        String before = ok("{\"op\":\"port.list\"}").toString();
        JsonNode r = client.raw(request);
        assertFalse(r.get("ok").asBoolean(), "expected refusal for " + request + ", got " + r);
        assertEquals(code, r.get("error").get("kind").asText(), r.toString());
        String message = r.get("error").get("message").asText();
        assertTrue(message.contains(messagePart), "message '" + message + "' should mention '" + messagePart + "'");
        assertEquals(before, ok("{\"op\":\"port.list\"}").toString(), "a refused request changes nothing");
        assertEquals("ok", ok("{\"op\":\"health\"}").get("status").asText(), "the daemon keeps running");
    }

    @Test
    void healthReportsThePortsAndWorkers() throws Exception {
        JsonNode h = ok("{\"op\":\"health\",\"id\":7}");
        assertEquals("ok", h.get("status").asText());
        assertEquals(1, h.get("ports").asInt());
        assertEquals(0, h.get("portsUp").asInt(), "no guest connected");
        assertEquals(1, h.get("workers").size());
        assertEquals("switch", h.get("mode").asText());
        assertEquals(7, client.call("{\"op\":\"health\",\"id\":7}").get("id").asInt(), "the id is echoed");
    }

    @Test
    void portsAreAddedListedAndRemoved() throws Exception {
        String sock = dir.resolve("vm1.sock").toString();
        JsonNode added = ok("{\"op\":\"port.add\",\"port\":{\"name\":\"vm1\",\"type\":\"vhost-user\",\"socket\":\""
                + sock + "\",\"mode\":\"server\",\"queues\":2,\"mtu\":9000,"
                + "\"vlan\":{\"mode\":\"trunk\",\"allowed\":[10,20],\"native\":1}}}").get("port");
        assertEquals("vm1", added.get("name").asText());
        assertEquals(2, added.get("queues").asInt());
        assertEquals(9000, added.get("mtu").asInt());
        assertEquals("trunk", added.get("vlan").get("mode").asText());
        assertTrue(Files.exists(Path.of(sock)), "the vhost-user socket is listening");

        JsonNode list = ok("{\"op\":\"port.list\"}").get("ports");
        assertEquals(2, list.size());
        assertEquals("boot", list.get(0).get("name").asText());
        assertEquals("vm1", list.get(1).get("name").asText());
        assertEquals("server", list.get(1).get("mode").asText());
        assertFalse(list.get(1).get("up").asBoolean());

        assertEquals("vm1", ok("{\"op\":\"port.del\",\"name\":\"vm1\"}").get("removed").asText());
        assertEquals(1, ok("{\"op\":\"port.list\"}").get("ports").size());
        assertFalse(Files.exists(Path.of(sock)), "the socket file is gone");
    }

    @Test
    void statsAndMacsAnswerForAllPortsAndOne() throws Exception {
        JsonNode stats = ok("{\"op\":\"stats\"}");
        assertEquals(1, stats.get("ports").size());
        JsonNode boot = stats.get("ports").get(0);
        assertEquals(0, boot.get("rxPackets").asLong());
        assertEquals(0, boot.get("drops").get("noBuffers").asLong());
        assertFalse(boot.get("link").get("up").asBoolean());
        JsonNode queues = boot.get("queues");
        assertEquals(1, queues.size(), "a vhost-user port lists its queue pairs: " + boot);
        assertEquals(0, queues.get(0).get("queue").asInt());
        assertEquals(0, queues.get(0).get("rxPackets").asLong());
        assertEquals(0, queues.get(0).get("drops").get("noBuffers").asLong());
        assertEquals("boot", ok("{\"op\":\"stats\",\"name\":\"boot\"}").get("ports").get(0).get("name").asText());
        assertEquals(0, ok("{\"op\":\"macs\"}").get("macs").size());
        assertEquals(0, ok("{\"op\":\"macs\",\"vlan\":10,\"port\":\"boot\"}").get("macs").size());
    }

    @Test
    void badInputIsRefusedWithAClearErrorAndNothingChanges() throws Exception {
        String boot = dir.resolve("boot.sock").toString();
        refused("this is not json", "INVALID_JSON", "not valid JSON");
        refused("[1,2]", "INVALID_JSON", "JSON object");
        refused("{\"id\":1}", "INVALID_ARGUMENT", "\"op\"");
        refused("{\"op\":\"reboot\"}", "UNKNOWN_OP", "reboot");
        refused("{\"op\":\"port.del\",\"name\":\"nope\"}", "UNKNOWN_PORT", "nope");
        refused("{\"op\":\"stats\",\"name\":\"nope\"}", "UNKNOWN_PORT", "nope");
        refused("{\"op\":\"macs\",\"port\":\"nope\"}", "UNKNOWN_PORT", "nope");
        refused("{\"op\":\"macs\",\"vlan\":4095}", "INVALID_ARGUMENT", "4095");
        refused("{\"op\":\"port.del\"}", "INVALID_ARGUMENT", "name");
        refused("{\"op\":\"port.add\",\"port\":{\"name\":\"boot\",\"socket\":\"" + dir.resolve("x.sock") + "\"}}",
                "DUPLICATE_NAME", "boot");
        refused("{\"op\":\"port.add\",\"port\":{\"name\":\"other\",\"socket\":\"" + boot + "\"}}",
                "SOCKET_IN_USE", boot);
        refused("{\"op\":\"port.add\",\"port\":{\"name\":\"v\",\"socket\":\"" + dir.resolve("v.sock")
                + "\",\"vlan\":{\"mode\":\"access\",\"id\":4095}}}", "INVALID_ARGUMENT", "4095");
        refused("{\"op\":\"port.add\",\"port\":{\"name\":\"v\",\"socket\":\"" + dir.resolve("v.sock")
                + "\",\"vlan\":{\"mode\":\"trunk\",\"allowed\":[10,5000]}}}", "INVALID_ARGUMENT", "5000");
        refused("{\"op\":\"port.add\",\"port\":{\"name\":\"v\",\"socket\":\"relative.sock\"}}", "INVALID_ARGUMENT", "absolute");
        refused("{\"op\":\"port.add\",\"port\":{\"name\":\"up\",\"type\":\"af-packet\",\"iface\":\"vwnosuch0\"}}",
                "NO_SUCH_INTERFACE", "vwnosuch0");
        refused("{\"op\":\"port.add\",\"port\":{\"name\":\"up\",\"type\":\"af-packet\",\"iface\":\"much-too-long-name\"}}",
                "INVALID_ARGUMENT", "iface");
        refused("{\"op\":\"port.add\",\"port\":{\"name\":\"v\",\"type\":\"warp\"}}", "INVALID_ARGUMENT", "warp");
        refused("{\"op\":\"port.add\",\"port\":{\"name\":\"v\",\"sockett\":\"/x\"}}", "INVALID_ARGUMENT", "sockett");
        refused("{\"op\":\"port.add\",\"port\":{\"name\":\"bad name!\",\"socket\":\"/tmp/x.sock\"}}", "INVALID_ARGUMENT", "bad name!");
        refused("{\"op\":\"port.add\",\"port\":{\"name\":\"v\",\"socket\":\"" + dir.resolve("v.sock") + "\",\"mtu\":20000}}",
                "INVALID_ARGUMENT", "20000");

        // another process listens on a socket path: we must not steal it
        Path foreign = dir.resolve("foreign.sock");
        try (ServerSocketChannel other = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            other.bind(UnixDomainSocketAddress.of(foreign));
            refused("{\"op\":\"port.add\",\"port\":{\"name\":\"f\",\"socket\":\"" + foreign + "\"}}",
                    "SOCKET_IN_USE", "listens");
        }
        // a regular file is not replaced either
        Path file = dir.resolve("file.sock");
        Files.writeString(file, "keep me");
        refused("{\"op\":\"port.add\",\"port\":{\"name\":\"f\",\"socket\":\"" + file + "\"}}", "SOCKET_IN_USE", "not a socket");
        assertEquals("keep me", Files.readString(file));
    }

    @Test
    void aSecondDaemonCannotTakeTheControlSocket() throws Exception {
        ForwarderConfig second = new ForwarderConfig(dir.resolve("control.sock").toString(), null,
                dir.resolve("state2").toString(), null, 1, null, null, null);
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> Daemon.start(second));
        assertTrue(e.getMessage().contains("another forwarder"), e.getMessage());
        assertEquals("ok", ok("{\"op\":\"health\"}").get("status").asText());
    }

    @Test
    void aSecondDaemonOnTheSameStateLeavesTheFirstOnesRememberedPortsAlone() throws Exception {
        ok("{\"op\":\"port.add\",\"port\":{\"name\":\"vm1\",\"socket\":\"" + dir.resolve("vm1.sock") + "\"}}");
        String state = Files.readString(dir.resolve("state/ports.json"));
        ForwarderConfig second = new ForwarderConfig(dir.resolve("control.sock").toString(), null,
                dir.resolve("state").toString(), null, 1, null, null, null);
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> Daemon.start(second));
        assertTrue(e.getMessage().contains("another forwarder"), e.getMessage());
        assertEquals(state, Files.readString(dir.resolve("state/ports.json")), "the state file is untouched");
        assertTrue(Files.exists(dir.resolve("vm1.sock")), "the first daemon's socket is still there");
        assertEquals(2, ok("{\"op\":\"port.list\"}").get("ports").size());
    }
}
