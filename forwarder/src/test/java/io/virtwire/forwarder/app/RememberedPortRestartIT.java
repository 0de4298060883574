package io.virtwire.forwarder.app;

import io.virtwire.forwarder.control.ControlClient;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Like {@link RestartTestpmdIT}, but the ports are not in the config: they are added over the control socket
 * ({@code port.add}, as {@code virtwire attach-interface} and the libvirt hook do). After {@code kill -9} and a
 * restart with the same config the daemon opens them again from its state directory, testpmd's virtio-user
 * ({@code server=1}) reconnects by itself, and traffic flows without restarting testpmd.
 */
@Timeout(240)
class RememberedPortRestartIT {

    @TempDir
    Path dir;

    @Test
    void portsAddedOverTheControlSocketCarryTrafficAgainAfterKillNineAndRestart() throws Exception {
        Path a = dir.resolve("a.sock");
        Path b = dir.resolve("b.sock");
        Path control = dir.resolve("control.sock");
        Path config = RestartTestpmdIT.xconnectConfig(dir, control);
        Path fwdLog = dir.resolve("fwd.log");
        ForwarderProcess first = ForwarderProcess.start(fwdLog, "--config", config.toString());
        ForwarderProcess second = null;
        try (TestPmd pmd = TestPmd.virtioUserPair(a, b, ",server=1", dir.resolve("testpmd.log"))) {
            Forwarders.awaitControl(control, first);
            try (ControlClient c = new ControlClient(control)) {
                for (String[] p : new String[][] {{"a", a.toString()}, {"b", b.toString()}}) {
                    JsonNode r = c.call("{\"op\":\"port.add\",\"port\":{\"name\":\"" + p[0]
                            + "\",\"type\":\"vhost-user\",\"socket\":\"" + p[1] + "\",\"mode\":\"client\"}}");
                    assertTrue(r.get("ok").asBoolean(), r.toString());
                }
            }
            RestartTestpmdIT.awaitReconnected(control, first);
            pmd.command("start tx_first 32");
            long[] before = RestartTestpmdIT.awaitLooping(pmd, "before the kill", first);

            first.kill9();
            second = ForwarderProcess.start(fwdLog, "--config", config.toString());
            RestartTestpmdIT.awaitReconnected(control, second);
            // the packets the killed process held are gone; io forwarding creates none: inject a new burst
            pmd.command("stop");
            pmd.command("start tx_first 32");
            long[] after = RestartTestpmdIT.awaitLooping(pmd, "after the restart", second);
            assertTrue(pmd.isAlive(), "testpmd was never restarted");
            assertTrue(after[0] > before[0], "counters kept growing");

            try (ControlClient c = new ControlClient(control)) {
                JsonNode ports = c.call("{\"op\":\"port.list\"}").get("result").get("ports");
                assertEquals(2, ports.size(), ports.toString());
                for (JsonNode p : ports) {
                    assertEquals("control", p.get("origin").asText(), "restored from the state file: " + p);
                }
                for (JsonNode p : c.call("{\"op\":\"stats\"}").get("result").get("ports")) {
                    assertTrue(p.get("rxPackets").asLong() > 10_000, "the restored port " + p.get("name")
                            + " forwards: " + p);
                    long outage = p.get("link").get("lastOutageMillis").asLong();
                    assertTrue(outage > 0 && outage < 60_000, "the outage is reported: " + p);
                }
            }
            assertTrue(second.log().contains("restored 2 port(s)"), "the log says where the ports came from:\n"
                    + second.log());
        } finally {
            first.close();
            if (second != null) {
                second.close();
            }
        }
    }
}
