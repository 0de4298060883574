package io.virtwire.provisioner.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import io.virtwire.provisioner.libvirt.LibvirtJavaGateway;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * `bin/virtwire demo --mode real` end to end, as a separate process like a user runs it (root, QEMU/TCG, the real
 * libvirtd on qemu:///system, the built forwarder, the guest image): every ping is answered, the forwarder counted
 * frames on both guests' vhost-user ports and on its AF_PACKET port, and afterwards nothing of the demo is left
 * (domains, network namespace, veth, forwarder process, run directory) — also when it is interrupted with SIGINT.
 */
@Timeout(600)
class RealDemoIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    private static Path root() {
        return Path.of(System.getProperty("virtwire.root", "..")).toAbsolutePath().normalize();
    }

    private Process start(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(root().resolve("bin/virtwire").toString()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectOutput(dir.resolve("out.txt").toFile()).redirectError(dir.resolve("err.txt").toFile()).start();
    }

    private Run finish(Process p, int seconds) throws Exception {
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroy();
            p.waitFor(60, TimeUnit.SECONDS);
            throw new AssertionError("bin/virtwire demo did not finish within " + seconds + " s:\n" + output());
        }
        return new Run(p.exitValue(), Files.readString(dir.resolve("out.txt")), Files.readString(dir.resolve("err.txt")));
    }

    private String output() throws Exception {
        return Files.readString(dir.resolve("out.txt")) + "\n--- stderr\n" + Files.readString(dir.resolve("err.txt"));
    }

    @Test
    void twoGuestsAndANamespaceHostPingEachOtherThroughTheForwarderAndNothingIsLeft() throws Exception {
        Run r = finish(start("--output", "json", "demo", "--mode", "real"), 300);
        assertEquals(0, r.exit(), r.toString());
        JsonNode summary = JSON.readTree(r.out());
        assertEquals("real", summary.get("mode").asText(), r.out());
        JsonNode real = summary.get("real");
        assertTrue(real.get("passed").asBoolean(), r.toString());

        // every direction: guest -> guest, guest -> namespace host, namespace host -> guest
        List<String> domains = new ArrayList<>();
        real.get("domains").forEach(d -> domains.add(d.asText()));
        assertEquals(2, domains.size(), r.out());
        Map<String, JsonNode> pings = new HashMap<>();
        for (JsonNode p : real.get("pings")) {
            pings.put(p.get("from").asText() + " -> " + p.get("to").asText(), p);
            assertTrue(p.get("received").asInt() >= 1 && p.get("transmitted").asInt() >= p.get("received").asInt(), p.toString());
        }
        assertEquals(java.util.Set.of(domains.get(0) + " -> 10.0.0.2", domains.get(0) + " -> 10.0.0.3",
                domains.get(1) + " -> 10.0.0.1", domains.get(1) + " -> 10.0.0.3",
                "vw-demo-host -> 10.0.0.1", "vw-demo-host -> 10.0.0.2"), pings.keySet(), r.out());

        // the forwarder moved the frames: both guests' vhost-user ports and the AF_PACKET port, both directions
        Map<String, JsonNode> ports = new HashMap<>();
        real.get("stats").get("ports").forEach(p -> ports.put(p.get("name").asText(), p));
        for (String port : List.of(domains.get(0) + "-0", domains.get(1) + "-0", "host")) {
            JsonNode p = ports.get(port);
            assertTrue(p != null, "port " + port + " in " + ports.keySet());
            // each guest sent at least its 6 counted echo requests and replies; the host side at least 2 x 3
            assertTrue(p.get("rxPackets").asLong() >= 6 && p.get("txPackets").asLong() >= 6, port + ": " + p);
        }

        // the tutorial: the command lines, live counters more than once, the MAC table, the cleanup
        String text = r.err();
        assertTrue(text.contains("$ ip netns add vw-demo-host"), text);
        assertTrue(text.contains("virtwire -c qemu:///system define-domain --template vhostuser-memfd --name " + domains.get(0)), text);
        assertTrue(text.contains("attach-interface " + domains.get(1) + " --type vhostuser"), text);
        assertTrue(count(text, "forwarder stats\n") >= 2, "live and final stats:\n" + text);
        assertTrue(text.contains("forwarder macs") && text.contains("52:54:00:de:00:01"), text);

        assertNothingLeft(domains, Path.of(real.get("runDir").asText()), real.get("forwarderPid").asLong());
    }

    @Test
    void ctrlCWhileTheGuestsBootCleansEverythingUp() throws Exception {
        Process p = start("demo", "--mode", "real");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        while (!Files.readString(dir.resolve("out.txt")).contains("waiting for the guests to boot")) {
            if (!p.isAlive() || System.nanoTime() > end) {
                throw new AssertionError("the demo did not get to start its guests:\n" + output());
            }
            Thread.sleep(100);
        }
        String before = Files.readString(dir.resolve("out.txt"));
        assertEquals(0, new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor(), "kill -INT");
        Run r = finish(p, 120);
        assertEquals(130, r.exit(), r.toString());
        assertTrue(r.out().contains("virtwire demo: interrupted, cleaning up"), r.toString());
        assertTrue(r.out().contains("== Cleaning up") && r.out().contains("$ ip netns del vw-demo-host"), r.toString());

        List<String> domains = new ArrayList<>();
        Matcher m = Pattern.compile("define-domain --template vhostuser-memfd --name (\\S+)").matcher(before);
        while (m.find()) {
            domains.add(m.group(1));
        }
        assertEquals(2, domains.size(), before);
        Matcher run = Pattern.compile("run directory (\\S+)").matcher(before);
        Matcher pid = Pattern.compile("forwarder pid (\\d+)").matcher(before);
        assertTrue(run.find() && pid.find(), before);
        assertNothingLeft(domains, Path.of(run.group(1)), Long.parseLong(pid.group(1)));
    }

    @Test
    void aNamespaceLeftByAnotherDemoIsRefusedAndNotTouched() throws Exception {
        command("ip", "netns", "add", "vw-demo-host");
        try {
            Run r = finish(start("demo", "--mode", "real"), 120);
            assertEquals(1, r.exit(), r.toString());
            assertTrue(r.out().contains("virtwire demo: FAILED: network namespace vw-demo-host exists already (another demo running,"
                    + " or one that was killed): remove it with 'ip netns del vw-demo-host' and run the demo again"), r.toString());
            assertTrue(command("ip", "netns", "list").lines().anyMatch(l -> l.startsWith("vw-demo-host")), "the namespace is not ours: kept");
            assertFalse(r.out().contains("$ ip netns"), "nothing was run: " + r.out());
        } finally {
            command("ip", "netns", "del", "vw-demo-host");
        }
    }

    private static void assertNothingLeft(List<String> domains, Path runDir, long forwarderPid) throws Exception {
        try (LibvirtGateway gw = LibvirtJavaGateway.open("qemu:///system")) {
            List<String> left = gw.domainNames().stream().filter(d -> d.startsWith("vw-demo-")).toList();
            assertEquals(List.of(), left, "no demo domain is left (the demo's were " + domains + ")");
        }
        assertFalse(command("ip", "netns", "list").lines().anyMatch(l -> l.startsWith("vw-demo-host")), "network namespace removed");
        assertTrue(command("ip", "-o", "link", "show").lines().noneMatch(l -> l.contains("vw-demo-br")), "veth removed");
        assertTrue(forwarderPid > 0, "the forwarder ran");
        assertFalse(ProcessHandle.of(forwarderPid).map(ProcessHandle::isAlive).orElse(false), "forwarder " + forwarderPid + " ended");
        assertFalse(Files.exists(runDir), runDir + " removed");
        assertTrue(command("ps", "-eo", "args").lines().noneMatch(l -> l.contains("qemu-system") && l.contains("guest=vw-demo-")),
                "no demo QEMU left");
    }

    private static String command(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), String.join(" ", cmd));
        return out;
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
