package io.virtwire.provisioner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtwire.provisioner.forwarder.TestForwarder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Every `virtwire forwarder` command against the real forwarder daemon (in-process, on a temporary control socket). */
@Timeout(60)
class ForwarderCommandsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private TestForwarder fwd;

    @BeforeEach
    void start() throws Exception {
        fwd = TestForwarder.start(dir);
    }

    @AfterEach
    void stop() throws Exception {
        fwd.close();
    }

    private CliRunner cli() {
        return new CliRunner().env("VIRTWIRE_FORWARDER_SOCK", fwd.control().toString());
    }

    private static CliRunner.Result ok(CliRunner.Result r) {
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals("", r.err(), r.toString());
        return r;
    }

    private JsonNode json(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--output", "json"));
        all.addAll(List.of(args));
        return JSON.readTree(ok(cli().run(all.toArray(String[]::new))).out());
    }

    /** A refusal: the exit code, the message on stderr and in the JSON error, and the daemon unchanged. */
    private JsonNode refused(int exit, String kind, String messagePart, String... args) throws Exception {
        List<String> before = fwd.portNames();
        List<String> all = new ArrayList<>(List.of("--output", "json"));
        all.addAll(List.of(args));
        CliRunner.Result r = cli().run(all.toArray(String[]::new));
        assertEquals(exit, r.exitCode(), r.toString());
        assertTrue(r.err().contains(messagePart), "stderr should mention '" + messagePart + "': " + r);
        JsonNode error = JSON.readTree(r.out()).get("error");
        assertEquals(kind, error.get("kind").asText(), r.toString());
        assertTrue(error.get("message").asText().contains(messagePart), r.toString());
        assertEquals(before, fwd.portNames(), "a refused command changes nothing");
        return error;
    }

    private String sock(String name) {
        return dir.resolve(name + ".sock").toString();
    }

    @Test
    void portAddListDelRoundTripWithEveryVhostUserOption() throws Exception {
        JsonNode added = json("forwarder", "port", "add", "vm1", "--type", "vhostuser", "--socket", sock("vm1"), "--mode", "server",
                "--queues", "2", "--trunk", "10,20", "--native", "1", "--mtu", "9000", "--offloads").get("port");
        assertEquals("vm1", added.get("name").asText());
        assertTrue(added.get("offloads").asBoolean(), "--offloads reached the daemon: " + added);
        assertEquals("vhost-user", added.get("type").asText());
        assertEquals(sock("vm1"), added.get("socket").asText());
        assertEquals(2, added.get("queues").asInt());
        assertEquals(9000, added.get("mtu").asInt());
        assertEquals("{\"mode\":\"trunk\",\"allowed\":[10,20],\"native\":1}", added.get("vlan").toString());
        assertTrue(Files.exists(Path.of(sock("vm1"))), "the forwarder listens on the socket");
        io.virtwire.provisioner.forwarder.SocketForwarderClientTest.assertQemuCanConnect(Path.of(sock("vm1")));
        assertEquals(List.of("vm1"), fwd.portNames());

        CliRunner.Result text = ok(cli().run("forwarder", "port", "add", "vm2", "--type", "vhostuser", "--socket", sock("vm2"),
                "--mode", "client", "--vlan", "30"));
        assertEquals("added port vm2 (vhost-user, socket " + sock("vm2") + ", mode client, queues 1, mtu 1500, vlan 30)\n", text.out());

        JsonNode list = json("forwarder", "port", "list").get("ports");
        assertEquals(2, list.size());
        assertEquals("client", list.get(1).get("mode").asText());
        assertFalse(list.get(1).get("offloads").asBoolean(), "without --offloads the port has none: " + list.get(1));
        assertEquals(30, list.get(1).get("vlan").get("id").asInt());
        String table = ok(cli().run("forwarder", "port", "list")).out();
        assertTrue(table.lines().map(String::strip).anyMatch(l -> l.matches("vm1\\s+vhost-user\\s+" + java.util.regex.Pattern.quote(sock("vm1"))
                + "\\s+server\\s+2\\s+9000\\s+trunk 10,20 native 1\\s+no\\s+-")), table);
        assertTrue(table.lines().map(String::strip).anyMatch(l -> l.startsWith("vm2 ") && l.contains(" client ") && l.contains(" 30 ")), table);

        assertEquals("{\"removed\":\"vm1\"}", json("forwarder", "port", "del", "vm1").toString());
        assertEquals("removed port vm2\n", ok(cli().run("forwarder", "port", "del", "vm2")).out());
        assertEquals(List.of(), fwd.portNames());
        assertFalse(Files.exists(Path.of(sock("vm1"))), "the forwarder removed its socket");
        assertEquals("{\"ports\":[]}", json("forwarder", "port", "list").toString());
    }

    @Test
    void tapPortOnAHostInterface() throws Exception {
        String ifname = "vwt" + ProcessHandle.current().pid() % 100000;
        JsonNode added = json("forwarder", "port", "add", "host0", "--type", "tap", "--ifname", ifname, "--vlan", "5").get("port");
        assertEquals("tap", added.get("type").asText());
        assertEquals(ifname, added.get("iface").asText());
        assertTrue(Files.exists(Path.of("/sys/class/net", ifname)), "the TAP interface exists while the port does");
        assertTrue(ok(cli().run("forwarder", "port", "list")).out().contains(ifname));
        ok(cli().run("forwarder", "port", "del", "host0"));
        assertEquals(List.of(), fwd.portNames());
    }

    private static void ip(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "ip " + String.join(" ", args) + ": " + out);
    }

    @Test
    void afPacketPortOnAnExistingHostInterfaceAndOnAMissingOne() throws Exception {
        String a = "vwa" + ProcessHandle.current().pid() % 100000;
        String b = "vwb" + ProcessHandle.current().pid() % 100000;
        ip("link", "add", a, "type", "veth", "peer", "name", b);
        try {
            ip("link", "set", a, "up");
            ip("link", "set", b, "up");
            JsonNode added = json("forwarder", "port", "add", "uplink", "--type", "afpacket", "--ifname", a, "--queues", "2", "--trunk", "10,20")
                    .get("port");
            assertEquals("af-packet", added.get("type").asText());
            assertEquals(a, added.get("iface").asText());
            assertEquals(2, added.get("queues").asInt());
            String text = ok(cli().run("forwarder", "port", "list")).out();
            assertTrue(text.lines().map(String::strip).anyMatch(l -> l.matches("uplink\\s+af-packet\\s+" + a + "\\s+-\\s+2\\s+1500\\s+trunk 10,20\\s+.*")),
                    text);
            refused(ExitCode.CONFLICT, "CONFLICT", "INTERFACE_IN_USE", "forwarder", "port", "add", "uplink2", "--type", "afpacket", "--ifname", a);
            ok(cli().run("forwarder", "port", "del", "uplink"));
        } finally {
            ip("link", "del", a);
        }
        refused(ExitCode.NOT_FOUND, "NOT_FOUND", "NO_SUCH_INTERFACE", "forwarder", "port", "add", "uplink", "--type", "afpacket", "--ifname", a);
    }

    @Test
    void statsForAllPortsOneAndWatched() throws Exception {
        ok(cli().run("forwarder", "port", "add", "a", "--socket", sock("a")));
        ok(cli().run("forwarder", "port", "add", "b", "--socket", sock("b")));

        JsonNode all = json("forwarder", "stats");
        assertEquals(2, all.get("ports").size());
        assertEquals(0, all.get("ports").get(0).get("rxPackets").asLong());
        assertTrue(all.get("ports").get(0).get("drops").has("noBuffers"), all.toString());
        assertFalse(all.get("ports").get(0).get("link").get("up").asBoolean());
        assertEquals(0, all.get("macTable").get("entries").asInt());

        JsonNode one = json("forwarder", "stats", "--port", "b");
        assertEquals(1, one.get("ports").size());
        assertEquals("b", one.get("ports").get(0).get("name").asText());

        String text = ok(cli().run("forwarder", "stats")).out();
        assertTrue(text.lines().map(String::strip).anyMatch(l -> l.matches("a\\s+0\\s+0\\s+0\\s+0\\s+0\\s+0\\s+down \\d+ ms\\s+-")), text);
        assertTrue(text.contains("MAC table: 0 entries"), text);

        long t0 = System.nanoTime();
        String watched = ok(cli().run("forwarder", "stats", "--watch", "--interval", "0.2", "--count", "3")).out();
        assertTrue(System.nanoTime() - t0 >= 400_000_000L, "three samples 0.2 s apart take at least 0.4 s");
        assertEquals(3, watched.lines().filter(l -> l.startsWith("forwarder stats at ")).count(), watched);
        assertEquals(3, watched.lines().filter(l -> l.startsWith("MAC table:")).count(), watched);
        assertEquals(2, watched.lines().filter(l -> l.startsWith("rates over the last ")).count(),
                "every sample after the first shows rates: " + watched);
        assertTrue(watched.lines().map(String::strip).anyMatch(l -> l.matches("a\\s+0\\s+0\\s+0\\s+0")), watched);

        List<String> lines = ok(cli().run("--output", "json", "forwarder", "stats", "--watch", "--interval", "0.05", "--count", "2",
                "--port", "a")).out().lines().toList();
        assertEquals(2, lines.size(), lines.toString());
        for (String l : lines) {
            assertEquals("a", JSON.readTree(l).get("ports").get(0).get("name").asText());
        }
    }

    @Test
    void statsListQueuesOfMultiqueuePorts() throws Exception {
        ok(cli().run("forwarder", "port", "add", "mq", "--socket", sock("mq"), "--queues", "3"));
        ok(cli().run("forwarder", "port", "add", "one", "--socket", sock("one")));
        JsonNode ports = json("forwarder", "stats").get("ports");
        assertEquals(3, ports.get(0).get("queues").size(), ports.toString());
        assertEquals(2, ports.get(0).get("queues").get(2).get("queue").asInt());
        assertEquals(0, ports.get(0).get("queues").get(2).get("drops").get("bufferTooSmall").asLong());
        String text = ok(cli().run("forwarder", "stats")).out();
        List<String> rows = text.lines().map(String::strip).filter(l -> l.matches("mq\\s+\\d\\s+0\\s+0\\s+0\\s+0\\s+0")).toList();
        assertEquals(3, rows.size(), "one row per queue of the multiqueue port: " + text);
        assertFalse(text.lines().map(String::strip).anyMatch(l -> l.matches("one\\s+0\\s+0\\s+0\\s+0\\s+0\\s+0")),
                "a single-queue port has no queue rows: " + text);
    }

    @Test
    void statsWithQueuesShowsEveryQueueAndTheWorkerDrainingIt() throws Exception {
        ok(cli().run("forwarder", "port", "add", "mq", "--socket", sock("mq"), "--queues", "2"));
        ok(cli().run("forwarder", "port", "add", "one", "--socket", sock("one")));
        JsonNode queues = json("forwarder", "stats", "--queues").get("ports").get(0).get("queues");
        assertTrue(queues.get(0).get("worker").asText().startsWith("vw-worker-"), queues.toString());
        String text = ok(cli().run("forwarder", "stats", "--queues")).out();
        assertTrue(text.lines().map(String::strip).anyMatch(l -> l.matches("Port\\s+Queue\\s+.*\\s+Worker")), text);
        assertEquals(2, text.lines().map(String::strip)
                .filter(l -> l.matches("mq\\s+\\d\\s+0\\s+0\\s+0\\s+0\\s+0\\s+vw-worker-\\d+")).count(), text);
        assertEquals(1, text.lines().map(String::strip)
                .filter(l -> l.matches("one\\s+0\\s+0\\s+0\\s+0\\s+0\\s+0\\s+vw-worker-\\d+")).count(),
                "with --queues a single-queue port has its row too: " + text);
    }

    @Test
    void macsAndHealth() throws Exception {
        assertEquals("{\"macs\":[]}", json("forwarder", "macs").toString());
        assertEquals("{\"macs\":[]}", json("forwarder", "macs", "--vlan", "10").toString());
        String table = ok(cli().run("forwarder", "macs")).out();
        assertTrue(table.strip().startsWith("MAC") && table.contains("VLAN") && table.contains("Age (s)"), table);

        ok(cli().run("forwarder", "port", "add", "a", "--socket", sock("a")));
        JsonNode h = json("forwarder", "health");
        assertEquals("ok", h.get("status").asText());
        assertEquals(ProcessHandle.current().pid(), h.get("pid").asLong(), "the in-process daemon");
        assertEquals("switch", h.get("mode").asText());
        assertEquals(1, h.get("ports").asInt());
        assertEquals(0, h.get("portsUp").asInt());
        String text = ok(cli().run("forwarder", "health")).out();
        assertTrue(text.startsWith("status:   ok (pid " + ProcessHandle.current().pid() + ", mode switch"), text);
        assertTrue(text.contains("ports:    1, 0 with a connected peer"), text);
        assertTrue(text.contains("workers:  vw-worker-0 (1 ports)"), text);
        assertFalse(text.contains("not restored") || text.contains("state:"), text);
    }

    /** Exit 0 healthy, 1 degraded (here: its state directory was deleted under it), 69 down (docs/user-guide/cli.md). */
    @Test
    void healthExitsZeroHealthyOneDegradedAndSixtyNineDown() throws Exception {
        assertEquals(ExitCode.OK, cli().run("forwarder", "health").exitCode());
        Path state = dir.resolve("fwd-state");
        try (var files = Files.walk(state)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        CliRunner.Result r = null;
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            r = cli().run("--output", "json", "forwarder", "health");
            if (r.exitCode() != ExitCode.OK) {
                break;
            }
            Thread.sleep(100);
        }
        assertEquals(ExitCode.FAILED, r.exitCode(), "degraded is exit 1: " + r);
        assertEquals("degraded", JSON.readTree(r.out()).get("status").asText(), "the result is still printed: " + r);
        CliRunner.Result text = cli().run("forwarder", "health");
        assertEquals(ExitCode.FAILED, text.exitCode(), text.toString());
        assertTrue(text.out().startsWith("status:   degraded") && text.out().contains("state:    the state directory"),
                text.toString());
        fwd.close();
        assertEquals(ExitCode.UNAVAILABLE, cli().run("forwarder", "health").exitCode(), "down is exit 69");
        fwd = TestForwarder.start(dir);
    }

    @Test
    void healthNamesRememberedPortsTheRestartedForwarderCouldNotOpen() throws Exception {
        ok(cli().run("forwarder", "port", "add", "a", "--socket", sock("a")));
        ok(cli().run("forwarder", "port", "add", "b", "--socket", sock("b")));
        fwd.close();
        Files.writeString(Path.of(sock("a")), "not a socket"); // a's path is taken while the forwarder is down
        fwd = TestForwarder.start(dir);
        assertEquals(List.of("b"), fwd.portNames(), "b came back by itself");
        assertEquals("[\"a\"]", json("forwarder", "health").get("portsNotRestored").toString());
        String text = ok(cli().run("forwarder", "health")).out();
        assertTrue(text.contains("not restored: a (remembered ports that could not be opened at start"), text);
        assertEquals("control", json("forwarder", "port", "list").get("ports").get(0).get("origin").asText());
    }

    @Test
    void theDaemonsRefusalsKeepItsCodeAndMessageAndMapToExitCodes() throws Exception {
        ok(cli().run("forwarder", "port", "add", "a", "--socket", sock("a")));
        refused(ExitCode.NOT_FOUND, "NOT_FOUND", "UNKNOWN_PORT", "forwarder", "port", "del", "nope");
        refused(ExitCode.NOT_FOUND, "NOT_FOUND", "no port named 'nope'", "forwarder", "stats", "--port", "nope");
        refused(ExitCode.NOT_FOUND, "NOT_FOUND", "nope", "forwarder", "macs", "--port", "nope");
        refused(ExitCode.CONFLICT, "CONFLICT", "DUPLICATE_NAME", "forwarder", "port", "add", "a", "--socket", sock("other"));
        refused(ExitCode.CONFLICT, "CONFLICT", "SOCKET_IN_USE", "forwarder", "port", "add", "b", "--socket", sock("a"));
        // a socket some other process listens on: only the daemon can tell
        try (var other = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            other.bind(java.net.UnixDomainSocketAddress.of(sock("taken")));
            refused(ExitCode.CONFLICT, "CONFLICT", sock("taken"), "forwarder", "port", "add", "c", "--socket", sock("taken"));
        }
        // an interface in use by another port: tap twice
        String ifname = "vwu" + ProcessHandle.current().pid() % 100000;
        ok(cli().run("forwarder", "port", "add", "t1", "--type", "tap", "--ifname", ifname));
        refused(ExitCode.CONFLICT, "CONFLICT", "INTERFACE_IN_USE", "forwarder", "port", "add", "t2", "--type", "tap", "--ifname", ifname);
        ok(cli().run("forwarder", "port", "del", "t1"));
    }

    @Test
    void badInputTheCliCanTellIsRefusedBeforeSending() throws Exception {
        refused(ExitCode.INVALID_INPUT, "INVALID_INPUT", "--vlan 4095 is outside 1..4094",
                "forwarder", "port", "add", "v", "--socket", sock("v"), "--vlan", "4095");
        refused(ExitCode.INVALID_INPUT, "INVALID_INPUT", "--vlan 0 is outside 1..4094",
                "forwarder", "port", "add", "v", "--socket", sock("v"), "--vlan", "0");
        refused(ExitCode.INVALID_INPUT, "INVALID_INPUT", "--trunk 5000 is outside 1..4094",
                "forwarder", "port", "add", "v", "--socket", sock("v"), "--trunk", "10,5000");
        refused(ExitCode.INVALID_INPUT, "INVALID_INPUT", "--native 4095",
                "forwarder", "port", "add", "v", "--socket", sock("v"), "--trunk", "10", "--native", "4095");
        refused(ExitCode.INVALID_INPUT, "INVALID_INPUT", "exclude each other",
                "forwarder", "port", "add", "v", "--socket", sock("v"), "--vlan", "10", "--trunk", "20");
        refused(ExitCode.INVALID_INPUT, "INVALID_INPUT", "--native 5 needs --trunk",
                "forwarder", "port", "add", "v", "--socket", sock("v"), "--native", "5");
        refused(ExitCode.INVALID_INPUT, "INVALID_INPUT", "'rel.sock' must be an absolute path",
                "forwarder", "port", "add", "v", "--socket", "rel.sock");
        refused(ExitCode.INVALID_INPUT, "INVALID_INPUT", "needs --socket", "forwarder", "port", "add", "v", "--type", "vhostuser");
        refused(ExitCode.INVALID_INPUT, "INVALID_INPUT", "'bad name!'", "forwarder", "port", "add", "bad name!", "--socket", sock("v"));
        refused(ExitCode.INVALID_INPUT, "INVALID_INPUT", "--mode 'both'", "forwarder", "port", "add", "v", "--socket", sock("v"), "--mode", "both");
        refused(ExitCode.INVALID_INPUT, "INVALID_INPUT", "--queues 0", "forwarder", "port", "add", "v", "--socket", sock("v"), "--queues", "0");
        refused(ExitCode.INVALID_INPUT, "INVALID_INPUT", "--mtu 20000", "forwarder", "port", "add", "v", "--socket", sock("v"), "--mtu", "20000");
        refused(ExitCode.INVALID_INPUT, "INVALID_INPUT", "--socket and --mode are for --type vhostuser, not afpacket",
                "forwarder", "port", "add", "v", "--type", "afpacket", "--ifname", "eth0", "--socket", sock("v"));
        refused(ExitCode.INVALID_INPUT, "INVALID_INPUT", "--type afpacket needs --ifname", "forwarder", "port", "add", "v", "--type", "afpacket");
        refused(ExitCode.INVALID_INPUT, "INVALID_INPUT", "--queues is for --type vhostuser and afpacket",
                "forwarder", "port", "add", "v", "--type", "tap", "--ifname", "vwq0", "--queues", "2");
        refused(ExitCode.INVALID_INPUT, "INVALID_INPUT", "--type 'warp'", "forwarder", "port", "add", "v", "--type", "warp");
        refused(ExitCode.INVALID_INPUT, "INVALID_INPUT", "--type tap needs --ifname", "forwarder", "port", "add", "v", "--type", "tap");
        refused(ExitCode.INVALID_INPUT, "INVALID_INPUT", "--ifname is for --type tap",
                "forwarder", "port", "add", "v", "--socket", sock("v"), "--ifname", "eth0");
        refused(ExitCode.INVALID_INPUT, "INVALID_INPUT", "--vlan 4095", "forwarder", "macs", "--vlan", "4095");
        refused(ExitCode.INVALID_INPUT, "INVALID_INPUT", "only apply with --watch", "forwarder", "stats", "--count", "2");
        refused(ExitCode.INVALID_INPUT, "INVALID_INPUT", "--interval 0.0", "forwarder", "stats", "--watch", "--interval", "0");
        assertEquals(ExitCode.INVALID_INPUT, cli().run("forwarder", "port", "add").exitCode(), "NAME is required");
        assertEquals(ExitCode.INVALID_INPUT, cli().run("forwarder").exitCode(), "a subcommand is required");
        assertEquals(ExitCode.INVALID_INPUT, cli().run("forwarder", "port").exitCode(), "a subcommand is required");
    }

    @Test
    void aForwarderThatIsNotRunningIsUnavailableWithHowToStartIt() throws Exception {
        Path missing = dir.resolve("nowhere.sock");
        CliRunner.Result r = new CliRunner().run("--forwarder", missing.toString(), "forwarder", "port", "list");
        assertEquals(ExitCode.UNAVAILABLE, r.exitCode(), r.toString());
        assertTrue(r.err().contains("the virtwire forwarder is not running: there is no control socket at " + missing), r.toString());
        assertTrue(r.err().contains("start it: bin/virtwire-forwarder --control " + missing), r.toString());
        assertTrue(r.err().contains("systemctl start virtwire-forwarder"), r.toString());

        // --forwarder wins over the environment
        assertEquals(ExitCode.UNAVAILABLE, cli().run("--forwarder", missing.toString(), "forwarder", "health").exitCode());
        ok(new CliRunner().run("--forwarder", fwd.control().toString(), "forwarder", "health"));
        assertEquals(ExitCode.INVALID_INPUT, cli().run("--forwarder", "rel.sock", "forwarder", "health").exitCode());
    }
}
