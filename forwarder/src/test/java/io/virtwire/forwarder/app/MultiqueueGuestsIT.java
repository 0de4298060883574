package io.virtwire.forwarder.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.virtwire.forwarder.control.ControlClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 14: a TCG guest whose NIC has 2 queue pairs ({@code -netdev vhost-user,queues=2}, {@code mq=on}, 2 vCPUs) on
 * a forwarder port with {@code queues: 2}; inside it {@code ethtool -L eth0 combined 1}, then {@code combined 2}. QEMU 7.2 opens one vhost device per pair on the one socket and sends
 * ADD_MEM_REG for every region once per pair; the link must come up with both pairs started. Linux's virtio_net
 * enables min(pairs, CPUs) pairs at probe and maps transmit queue i to CPU i (XPS), so a ping pinned to each vCPU
 * sends on each queue; the forwarder delivers to the guest's receive queues in turn. With 2 workers the two pairs
 * are drained by different ones. The per-queue counters of {@code stats} must show frames on both pairs, both ways.
 */
@Timeout(420)
class MultiqueueGuestsIT {

    @TempDir
    Path dir;

    /**
     * The queue pairs set with ethtool, down to 1 and back to 2 (QEMU disables and enables the second pair's rings:
     * SET_VRING_ENABLE while the first pair runs), then one ping per vCPU at once, each pinned: transmit queue 0
     * and 1 (XPS).
     */
    private static final String PINGS_ON_BOTH_QUEUES = "ethtool -L eth0 combined 1 && ethtool -L eth0 combined 2"
            + " && echo CHANNELS && ethtool -l eth0; cat /sys/class/net/eth0/queues/tx-0/xps_cpus"
            + " /sys/class/net/eth0/queues/tx-1/xps_cpus; ping -c 2 -W 5 10.77.0.2;"
            + " taskset 1 ping -c %1$d -i 0.5 -W 2 10.77.0.2 > /tmp/p0 & taskset 2 ping -c %1$d -i 0.5 -W 2 10.77.0.2"
            + " > /tmp/p1; wait; echo CPU0; cat /tmp/p0; echo CPU1; cat /tmp/p1";

    private Path config() throws Exception {
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path config = dir.resolve("forwarder.yaml");
        Files.writeString(config, """
                control: %s
                stateDir: %s
                workers: 2
                ports:
                  - {name: mq1, socket: %s, queues: 2}
                  - {name: mq2, socket: %s}
                """.formatted(dir.resolve("control.sock"), dir.resolve("state"), dir.resolve("mq1.sock"),
                dir.resolve("mq2.sock")));
        return config;
    }

    private void awaitSockets(ForwarderProcess fwd) throws Exception {
        fwd.awaitSockets(dir.resolve("mq1.sock"), dir.resolve("mq2.sock"));
    }

    /** The per-queue counters of port mq1, from the control API's stats. */
    private JsonNode queuesOfMq1() throws Exception {
        try (ControlClient c = new ControlClient(dir.resolve("control.sock"))) {
            for (JsonNode p : c.call("{\"op\":\"stats\"}").get("result").get("ports")) {
                if (p.get("name").asText().equals("mq1")) {
                    return p.get("queues");
                }
            }
        }
        throw new AssertionError("no port mq1 in stats");
    }

    private static void assertBothPairsCarried(JsonNode queues, String when) {
        assertEquals(2, queues.size(), when + ": two queue pairs in stats: " + queues);
        assertTrue(!queues.get(0).get("worker").asText().equals(queues.get(1).get("worker").asText()),
                when + ": the pairs are drained by different workers: " + queues);
        for (JsonNode q : queues) {
            assertTrue(q.get("rxPackets").asLong() > 0, when + ": the guest sent on queue " + q.get("queue") + ": " + queues);
            assertTrue(q.get("txPackets").asLong() > 0, when + ": the guest received on queue " + q.get("queue") + ": " + queues);
        }
    }

    /** `ethtool -L eth0 combined 2` worked and `ethtool -l eth0` reports 2 combined channels in use. */
    private static void assertTwoChannels(String out) {
        int at = out.lastIndexOf("\nCHANNELS\n");
        assertTrue(at >= 0, "ethtool -L eth0 combined 1, then 2, succeeded:\n" + out);
        String current = out.substring(out.indexOf("Current hardware settings:", at));
        Matcher m = Pattern.compile("Combined:\\s+(\\d+)").matcher(current);
        assertTrue(m.find() && m.group(1).equals("2"), "2 combined channels in use:\n" + current);
    }

    private static int received(String out, String from) {
        Matcher m = Pattern.compile("(\\d+) packets transmitted, (\\d+) packets received")
                .matcher(out.substring(out.lastIndexOf("\n" + from + "\n")));
        assertTrue(m.find(), "ping summary after " + from + ":\n" + out);
        return Integer.parseInt(m.group(2));
    }

    @Test
    void aTwoQueueGuestPassesTrafficOnBothQueuePairs() throws Exception {
        try (ForwarderProcess fwd = ForwarderProcess.start(dir.resolve("fwd.log"), "--config", config().toString())) {
            awaitSockets(fwd);
            try (TcgGuest peer = TcgGuest.start("mqb-g2", dir.resolve("mq2.sock"), "52:54:00:00:01:02", "10.77.0.2",
                    "sleep 400", dir);
                 TcgGuest guest = TcgGuest.start("mqb-g1", dir.resolve("mq1.sock"), "52:54:00:00:01:01", "10.77.0.1",
                         PINGS_ON_BOTH_QUEUES.formatted(10), dir, 2)) {
                String out = guest.await("VIRTWIRE-GUEST-RESULT", 300);
                assertTwoChannels(out);
                assertTrue(received(out, "CPU0") >= 5 && received(out, "CPU1") >= 5,
                        "pings from both vCPUs answered:\n" + out + "\n" + fwd.log());
                JsonNode queues = queuesOfMq1();
                System.out.println("mq1 queues after the pings: " + queues); // the figures, for the record
                assertBothPairsCarried(queues, "after the pings");
                assertTrue(!fwd.log().contains("memory regions overlap"), fwd.log());
            }
        }
    }

    @Test
    void trafficOnBothQueuePairsResumesAfterAKillNineOfTheForwarder() throws Exception {
        Path config = config();
        ForwarderProcess first = ForwarderProcess.start(dir.resolve("fwd.log"), "--config", config.toString());
        ForwarderProcess second = null;
        try (TcgGuest peer = TcgGuest.start("mqb-g2", dir.resolve("mq2.sock"), "52:54:00:00:01:02", "10.77.0.2",
                "sleep 400", dir)) {
            awaitSockets(first);
            // the pings start once the link is up; the restart comes after the first answers
            try (TcgGuest guest = TcgGuest.start("mqb-g1", dir.resolve("mq1.sock"), "52:54:00:00:01:01", "10.77.0.1",
                    PINGS_ON_BOTH_QUEUES.formatted(80), dir, 2)) {
                guest.await("bytes from 10.77.0.2", 300);
                Thread.sleep(3000);
                first.kill9();
                Thread.sleep(1000);
                second = ForwarderProcess.start(dir.resolve("fwd2.log"), "--config", config.toString());
                String out = guest.await("VIRTWIRE-GUEST-RESULT", 240);
                assertTwoChannels(out);
                // counters start at zero in the new process: what they show was carried after the restart
                JsonNode queues = queuesOfMq1();
                System.out.println("mq1 queues after the restart: " + queues);
                assertBothPairsCarried(queues, "after the restart");
                assertTrue(out.contains("seq=79 "), "the last pings, long after the restart, were answered:\n" + out);
                assertTrue(peer.isAlive(), "the peer guest was never restarted");
            }
        } finally {
            first.close();
            if (second != null) {
                second.close();
            }
        }
    }
}
