package io.virtwire.forwarder.app;

import io.virtwire.forwarder.control.ControlClient;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kill -9} of the forwarder daemon while dpdk-testpmd loops packets through it; a new forwarder process
 * starts and traffic resumes without restarting testpmd. Here testpmd's virtio-user is the server
 * ({@code server=1}, like libvirt {@code <source mode='server'>}) and our ports are clients that reconnect.
 */
@Timeout(240)
class RestartTestpmdIT {

    @TempDir
    Path dir;

    @Test
    void trafficResumesAfterKillNineAndRestartWithoutTouchingTestpmd() throws Exception {
        Path a = dir.resolve("a.sock");
        Path b = dir.resolve("b.sock");
        Path control = dir.resolve("control.sock");
        Path config = xconnectConfig(dir, control,
                "{name: a, type: vhost-user, socket: " + a + ", mode: client}",
                "{name: b, type: vhost-user, socket: " + b + ", mode: client}");
        Path fwdLog = dir.resolve("fwd.log");
        ForwarderProcess first = ForwarderProcess.start(fwdLog, "--config", config.toString());
        ForwarderProcess second = null;
        try (TestPmd pmd = TestPmd.virtioUserPair(a, b, ",server=1", dir.resolve("testpmd.log"))) {
            Thread.sleep(6000);
            pmd.command("start tx_first 32");
            long[] before = awaitLooping(pmd, "before the kill", first);

            first.kill9();
            long[] during = pmd.rxPackets();
            Thread.sleep(1000);
            long[] stillDown = pmd.rxPackets();
            assertTrue(stillDown[0] - during[0] < 1000, "nothing moves while the forwarder is dead");

            second = ForwarderProcess.start(fwdLog, "--config", config.toString());
            // testpmd's virtio-user (server=1) reconnects by itself and its rings resume where the used rings
            // say. The packets the killed process held are gone, and io forwarding never creates new ones, so
            // a direction whose every packet was in flight stays quiet: re-inject a burst (testpmd keeps running)
            awaitReconnected(control, second);
            pmd.command("stop");
            pmd.command("start tx_first 32");
            long[] after = awaitLooping(pmd, "after the restart", second);
            assertTrue(pmd.isAlive(), "testpmd was never restarted");
            assertTrue(after[0] > before[0], "counters kept growing");

            try (ControlClient c = new ControlClient(control)) {
                JsonNode health = c.call("{\"op\":\"health\"}").get("result");
                assertTrue(health.get("restartedAfterMillis").asLong() > 0, "the restart is noticed: " + health);
                JsonNode stats = c.call("{\"op\":\"stats\"}").get("result").get("ports");
                for (JsonNode p : stats) {
                    long outage = p.get("link").get("lastOutageMillis").asLong();
                    assertTrue(outage >= 1000 && outage < 60_000, "port " + p.get("name") + " outage " + outage
                            + " ms covers the second the forwarder was dead: " + p);
                }
            }
        } finally {
            first.close();
            if (second != null) {
                second.close();
            }
        }
    }

    /** Waits (bounded) until the new forwarder reports both ports' links up (testpmd reconnected). */
    /** forwarder.yaml in {@code dir}: an xconnect forwarder on CPU 1, its state in dir/state, these config ports. */
    static Path xconnectConfig(Path dir, Path control, String... ports) throws java.io.IOException {
        StringBuilder yaml = new StringBuilder("""
                control: %s
                stateDir: %s
                mode: xconnect
                workers: 1
                workerCpus: [1]
                """.formatted(control, dir.resolve("state")));
        if (ports.length > 0) {
            yaml.append("ports:\n");
            for (String port : ports) {
                yaml.append("  - ").append(port).append('\n');
            }
        }
        return Files.writeString(dir.resolve("forwarder.yaml"), yaml);
    }

    static void awaitReconnected(Path control, ForwarderProcess fwd) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            Thread.sleep(500);
            if (!Files.exists(control)) {
                continue;
            }
            // until the new process binds it, the path is the dead one's stale socket: connection refused
            try (ControlClient c = new ControlClient(control)) {
                int up = 0;
                for (JsonNode p : c.call("{\"op\":\"stats\"}").get("result").get("ports")) {
                    up += p.get("link").get("up").asBoolean() ? 1 : 0;
                }
                if (up == 2) {
                    return;
                }
            } catch (java.net.ConnectException e) {
                // not bound yet
            }
        }
        throw new AssertionError("testpmd did not reconnect to the restarted forwarder; its log:\n" + fwd.log());
    }

    /** Waits (bounded) until both ports' RX counters grow between two samples. */
    static long[] awaitLooping(TestPmd pmd, String when, ForwarderProcess fwd) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        long[] prev = pmd.rxPackets();
        while (System.nanoTime() < deadline) {
            Thread.sleep(1000);
            long[] now = pmd.rxPackets();
            if (now[0] - prev[0] > 10_000 && now[1] - prev[1] > 10_000) {
                return now;
            }
            prev = now;
        }
        throw new AssertionError("packets do not loop " + when + " (" + prev[0] + ", " + prev[1] + "); testpmd:\n"
                + pmd.tail() + "\nforwarder:\n" + fwd.log());
    }
}
