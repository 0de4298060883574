package io.virtwire.forwarder.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtwire.forwarder.app.Daemon;
import io.virtwire.forwarder.config.ForwarderConfig;
import io.virtwire.forwarder.config.PortConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The control API is strict (issue 13, finding 5): a corpus of bad requests, each refused with an error naming the
 * field and the rule, nothing changed (ports, ports.json, no file created), on the same connection, and the daemon
 * keeps running.
 */
@Timeout(120)
class ControlStrictnessTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** Somewhere outside the socket directory, for a link to point at. */
    @TempDir
    Path outside;

    private record Bad(String request, String code, List<String> parts) {
    }

    private static Bad bad(String request, String code, String... parts) {
        return new Bad(request, code, List.of(parts));
    }

    private static String portAdd(Map<String, Object> port) throws Exception {
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("op", "port.add");
        req.put("port", port);
        return JSON.writeValueAsString(req);
    }

    private static String vhost(String name, String socket) throws Exception {
        Map<String, Object> port = new LinkedHashMap<>();
        port.put("name", name);
        port.put("socket", socket);
        return portAdd(port);
    }

    private static String vhost(String name, String socket, String mode) throws Exception {
        Map<String, Object> port = new LinkedHashMap<>();
        port.put("name", name);
        port.put("socket", socket);
        port.put("mode", mode);
        return portAdd(port);
    }

    private List<Bad> corpus() throws Exception {
        String ok = dir.resolve("vm9.sock").toString();
        Path link = dir.resolve("linked");
        Files.createSymbolicLink(link, outside);
        Files.createSymbolicLink(dir.resolve("link.sock"), dir.resolve("boot.sock"));
        Files.createLink(dir.resolve("hard.sock"), dir.resolve("control.sock"));
        Files.writeString(dir.resolve("plainfile"), "x");
        // a directory someone else owns (the QEMU user could rename it for a link after the check): chown needs root,
        // as the forwarder's state and control tests do
        Path nobodys = Files.createDirectory(dir.resolve("nobodys"));
        Files.setAttribute(nobodys, "unix:uid", 65534);
        String p = "{\"op\":\"port.add\",\"port\":{\"name\":\"vm9\",\"socket\":\"" + ok + "\"";
        return List.of(
                // types are not coerced
                bad("{\"op\":\"port.add\",\"port\":{\"name\":123,\"socket\":\"" + ok + "\"}}", "INVALID_ARGUMENT",
                        "'port.name'", "a string", "123"),
                bad(p + ",\"queues\":\"4\"}}", "INVALID_ARGUMENT", "'port.queues'", "whole number", "\"4\""),
                bad(p + ",\"queues\":2.7}}", "INVALID_ARGUMENT", "'port.queues'", "whole number", "2.7"),
                bad(p + ",\"queues\":2.0}}", "INVALID_ARGUMENT", "'port.queues'", "whole number"),
                bad(p + ",\"mtu\":\"1500\"}}", "INVALID_ARGUMENT", "'port.mtu'", "whole number"),
                bad(p + ",\"offloads\":\"true\"}}", "INVALID_ARGUMENT", "'port.offloads'", "true or false"),
                bad(p + ",\"offloads\":1}}", "INVALID_ARGUMENT", "'port.offloads'", "true or false"),
                bad(p + ",\"mode\":true}}", "INVALID_ARGUMENT", "'port.mode'", "a string"),
                bad(p + ",\"vlan\":{\"mode\":\"access\",\"id\":\"10\"}}}", "INVALID_ARGUMENT", "'port.vlan.id'"),
                bad(p + ",\"vlan\":{\"mode\":\"trunk\",\"allowed\":\"10\"}}}", "INVALID_ARGUMENT", "'port.vlan.allowed'", "a list"),
                bad(p + ",\"vlan\":{\"mode\":\"trunk\",\"allowed\":[10.5]}}}", "INVALID_ARGUMENT", "'port.vlan.allowed[0]'"),
                bad("{\"op\":\"port.add\",\"port\":\"vm9\"}", "INVALID_ARGUMENT", "\"port\""),
                bad("{\"op\":\"port.del\",\"name\":5}", "INVALID_ARGUMENT", "\"name\"", "string", "5"),
                bad("{\"op\":\"stats\",\"name\":true}", "INVALID_ARGUMENT", "\"name\"", "string"),
                bad("{\"op\":\"macs\",\"vlan\":\"10\"}", "INVALID_ARGUMENT", "\"vlan\"", "whole number"),
                bad("{\"op\":\"macs\",\"vlan\":10.5}", "INVALID_ARGUMENT", "\"vlan\"", "whole number"),
                bad("{\"op\":5}", "INVALID_ARGUMENT", "\"op\""),
                // unknown fields, on every operation
                bad("{\"op\":\"health\",\"verbose\":true}", "INVALID_ARGUMENT", "\"verbose\"", "health"),
                bad("{\"op\":\"port.list\",\"name\":\"boot\"}", "INVALID_ARGUMENT", "\"name\"", "port.list"),
                bad(p + "},\"force\":true}", "INVALID_ARGUMENT", "\"force\"", "port.add"),
                bad(p + ",\"colour\":\"red\"}}", "INVALID_ARGUMENT", "'colour'", "known fields"),
                bad(p + ",\"vlan\":{\"mode\":\"access\",\"id\":10,\"pcp\":3}}}", "INVALID_ARGUMENT", "'pcp'", "port.vlan"),
                bad("{\"op\":\"port.del\",\"name\":\"boot\",\"force\":true}", "INVALID_ARGUMENT", "\"force\"", "port.del"),
                bad("{\"op\":\"stats\",\"port\":\"boot\"}", "INVALID_ARGUMENT", "\"port\"", "stats"),
                bad("{\"op\":\"macs\",\"mac\":\"52:54:00:00:00:01\"}", "INVALID_ARGUMENT", "\"mac\"", "macs"),
                // trailing data and duplicate keys
                bad("{\"op\":\"port.del\",\"name\":\"boot\"} {\"op\":\"health\"}", "INVALID_JSON", "follows"),
                bad("{\"op\":\"port.del\",\"name\":\"boot\"}x", "INVALID_JSON"),
                bad("{\"op\":\"port.del\",\"name\":\"boot\"}]", "INVALID_JSON"),
                bad("{\"op\":\"health\",\"op\":\"port.del\",\"name\":\"boot\"}", "INVALID_JSON", "'op'", "twice"),
                bad("{\"op\":\"port.del\",\"name\":\"nope\",\"name\":\"boot\"}", "INVALID_JSON", "'name'", "twice"),
                bad("{\"op\":\"port.add\",\"port\":{\"name\":\"vm9\",\"name\":\"vm8\",\"socket\":\"" + ok + "\"}}",
                        "INVALID_JSON", "'name'", "twice"),
                // socket paths: confined to the socket directory, normal form, no links, not the control socket
                bad(vhost("vm9", "/etc/x.sock"), "INVALID_ARGUMENT", "\"port.socket\"", "outside", dir.toString()),
                bad(vhost("vm9", dir + "/../../x.sock"), "INVALID_ARGUMENT", "\"port.socket\"", "normal form", "'..'"),
                bad(vhost("vm9", dir + "/sub/../vm9.sock"), "INVALID_ARGUMENT", "normal form"),
                bad(vhost("vm9", dir + "/./vm9.sock"), "INVALID_ARGUMENT", "normal form"),
                bad(vhost("vm9", dir + "//vm9.sock"), "INVALID_ARGUMENT", "normal form"),
                bad(vhost("vm9", dir + "/vm\n9.sock"), "INVALID_ARGUMENT", "control character", "0x0a"),
                bad(vhost("vm9", dir + "/vm9.sock\u007f"), "INVALID_ARGUMENT", "control character"),
                bad(vhost("vm9", link + "/x.sock"), "INVALID_ARGUMENT", "symbolic link", link.toString()),
                bad(vhost("vm9", dir.resolve("link.sock").toString(), "client"), "INVALID_ARGUMENT", "symbolic link"),
                bad(vhost("vm9", dir.resolve("control.sock").toString()), "INVALID_ARGUMENT", "control socket"),
                bad(vhost("vm9", dir.resolve("control.sock").toString(), "client"), "INVALID_ARGUMENT", "control socket"),
                bad(vhost("vm9", dir.resolve("hard.sock").toString(), "client"), "INVALID_ARGUMENT", "control socket"),
                bad(vhost("vm9", dir + "/plainfile/x.sock"), "INVALID_ARGUMENT", "not a directory"),
                bad(vhost("vm9", dir.toString()), "INVALID_ARGUMENT", "outside"),
                bad(vhost("vm9", dir + "/nobodys/vm9.sock"), "INVALID_ARGUMENT", "belongs to uid 65534"),
                bad(vhost("vm\n9", ok), "INVALID_ARGUMENT", "port name", "\\x0a"),
                bad("{\"op\":\"port.add\",\"port\":{\"name\":\"t9\",\"type\":\"tap\",\"iface\":\"vw\\n9\"}}",
                        "INVALID_ARGUMENT", "iface", "\\x0a"),
                bad("{\"op\":\"port.add\",\"port\":{\"name\":\"t9\",\"type\":\"tap\",\"iface\":\"../vw9\"}}",
                        "INVALID_ARGUMENT", "iface", "not an interface name"));
    }

    private static String stateOf(Path dir) throws Exception {
        Path f = dir.resolve("state/ports.json");
        return Files.exists(f) ? Files.readString(f) : "(none)";
    }

    @Test
    void everyBadRequestIsRefusedByNameAndChangesNothing() throws Exception {
        try (DaemonWithClient running = DaemonWithClient.start(dir, "boot")) {
            ControlClient client = running.client();
            List<Bad> corpus = corpus();
            List<String> entries;
            try (var s = Files.list(dir)) {
                entries = s.map(Path::toString).sorted().toList();
            }
            String ports = client.call("{\"op\":\"port.list\"}").get("result").toString();
            String state = stateOf(dir);
            List<String> failures = new ArrayList<>();
            for (Bad b : corpus) {
                JsonNode r = client.raw(b.request());
                String why = null;
                if (r.get("ok").asBoolean()) {
                    why = "accepted";
                } else if (!b.code().equals(r.get("error").get("kind").asText())) {
                    why = "code " + r.get("error").get("kind").asText() + ", expected " + b.code();
                } else {
                    String m = r.get("error").get("message").asText();
                    for (String part : b.parts()) {
                        if (!m.contains(part)) {
                            why = "message does not name '" + part + "'";
                        }
                    }
                    if (m.contains("com.fasterxml") || m.contains("java.lang")) {
                        why = "message shows Java class names";
                    }
                }
                if (why != null) {
                    failures.add(b.request().replace("\n", "\\n") + " -> " + why + ": " + r);
                }
            }
            assertEquals(List.of(), failures, failures.size() + " of " + corpus.size() + " bad requests were not refused as they should be");
            assertEquals(ports, client.call("{\"op\":\"port.list\"}").get("result").toString(), "no port changed");
            assertEquals(state, stateOf(dir), "ports.json unchanged");
            try (var s = Files.list(dir)) {
                assertEquals(entries, s.map(Path::toString).sorted().toList(), "no socket or file was created");
            }
            assertFalse(Files.exists(Path.of("/etc/x.sock")));
            // bytes that are not UTF-8: refused, not decoded into some other name
            try (SocketChannel raw = SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve("control.sock")))) {
                byte[] req = "{\"op\":\"port.del\",\"name\":\"boo?\"}\n".getBytes(StandardCharsets.US_ASCII);
                req[req.length - 5] = (byte) 0xff;
                raw.write(ByteBuffer.wrap(req));
                String line = new BufferedReader(new InputStreamReader(Channels.newInputStream(raw),
                        StandardCharsets.UTF_8)).readLine();
                JsonNode r = JSON.readTree(line);
                assertEquals("INVALID_JSON", r.get("error").get("kind").asText(), line);
                assertTrue(line.contains("UTF-8"), line);
            }
            assertEquals("ok", client.call("{\"op\":\"health\"}").get("result").get("status").asText(),
                    "the daemon keeps running, on the same connection");
            // and a good request on that connection still works
            JsonNode added = client.call(vhost("vm9", dir.resolve("vm9.sock").toString()));
            assertTrue(added.get("ok").asBoolean(), added.toString());
        }
    }

    @Test
    void socketsGoBelowSocketDirOrAnExtraDirWithRealSubdirectories() throws Exception {
        Path sockets = Files.createDirectories(dir.resolve("sockets/sub"));
        Path extra = Files.createDirectories(dir.resolve("extra"));
        ForwarderConfig config = new ForwarderConfig(dir.resolve("control.sock").toString(), null,
                dir.resolve("state").toString(), null, 1, null, 60, List.<PortConfig>of(),
                dir.resolve("sockets").toString(), List.of(extra.toString()), null, null, null, null);
        try (Daemon daemon = Daemon.start(config); ControlClient client = new ControlClient(dir.resolve("control.sock"))) {
            for (String s : List.of(sockets.resolve("a.sock").toString(), extra.resolve("b.sock").toString())) {
                JsonNode r = client.call(vhost("p" + s.length() + s.charAt(s.length() - 6), s));
                assertTrue(r.get("ok").asBoolean(), s + ": " + r);
            }
            JsonNode r = client.call(vhost("c", dir.resolve("c.sock").toString()));
            assertFalse(r.get("ok").asBoolean(), "with socketDir set, the control socket's directory is not allowed: " + r);
            assertTrue(r.get("error").get("message").asText().contains("outside"), r.toString());
            assertFalse(Files.exists(dir.resolve("c.sock")));
        }
    }
}
