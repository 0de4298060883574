package io.virtwire.forwarder.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.virtwire.forwarder.engine.OpenedInTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One stateDir, one forwarder (issue 13, findings 3 and 8): a second forwarder on the same state directory is
 * refused naming the first, which keeps its state and still comes back after kill -9; a state directory deleted
 * under a running forwarder is noticed, reported and written again, so the next restart still opens the ports.
 */
@Timeout(240)
class StateDirSystemIT {

    @TempDir
    Path dir;

    @RegisterExtension
    final OpenedInTest opened = new OpenedInTest();

    @Test
    void aSecondForwarderOnTheSameStateDirIsRefusedAndTheFirstStillRestartsCleanlyAfterKillNine() throws Exception {
        Path state = dir.resolve("state");
        Path c1 = dir.resolve("c1.sock");
        Path config = Forwarders.config(dir, "fwd.yaml", c1, state);
        ForwarderProcess first = Forwarders.startServing(opened, dir.resolve("first.log"), config, c1);
        Path vm1 = dir.resolve("vm1.sock");
        Forwarders.addPort(c1, "vm1", vm1);
        String ports = Files.readString(state.resolve("ports.json"));

        Path c2 = dir.resolve("c2.sock");
        ForwarderProcess second = opened.keep(ForwarderProcess.start(dir.resolve("second.log"), "--config",
                config.toString(), "--control", c2.toString()));
        int code = Forwarders.awaitExit(second, "a second forwarder on the same stateDir must be refused");
        assertNotEquals(0, code);
        assertTrue(second.log().contains("STATE_DIR_IN_USE") && second.log().contains("pid " + first.pid())
                && second.log().contains("control socket " + c1), "the refusal names the first:\n" + second.log());
        assertTrue(Files.notExists(c2), "the second never served");

        assertEquals(ports, Files.readString(state.resolve("ports.json")), "the first's ports.json is untouched");
        long beat = Long.parseLong(Files.readString(state.resolve("forwarder.heartbeat")).trim());
        Thread.sleep(1500);
        long later = Long.parseLong(Files.readString(state.resolve("forwarder.heartbeat")).trim());
        assertTrue(later > beat, "the first's heartbeat is still there and still beating");

        first.kill9();
        ForwarderProcess third = Forwarders.startServing(opened, dir.resolve("third.log"), config, c1);
        JsonNode list = Forwarders.ok(c1, "{\"op\":\"port.list\"}").get("ports");
        assertEquals(1, list.size(), list.toString());
        assertEquals("vm1", list.get(0).get("name").asText());
        JsonNode health = Forwarders.ok(c1, "{\"op\":\"health\"}");
        assertTrue(health.get("restartedAfterMillis").asLong() > 0, "the outage is measured from the heartbeat: " + health);
        assertEquals("ok", health.get("status").asText(), health.toString());
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(vm1)); // a front-end reconnects to the restored port
        }
    }

    @Test
    void aStateDirDeletedWhileRunningIsReportedDegradedAndWrittenAgainSoARestartKeepsThePorts() throws Exception {
        Path state = dir.resolve("state");
        Path control = dir.resolve("control.sock");
        Path config = Forwarders.config(dir, "fwd.yaml", control, state);
        ForwarderProcess first = Forwarders.startServing(opened, dir.resolve("fwd.log"), config, control);
        Forwarders.addPort(control, "vm1", dir.resolve("vm1.sock"));
        assertEquals("ok", Forwarders.ok(control, "{\"op\":\"health\"}").get("status").asText());

        try (Stream<Path> s = Files.walk(state)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        JsonNode health = null;
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            health = Forwarders.ok(control, "{\"op\":\"health\"}");
            if ("degraded".equals(health.get("status").asText())) {
                break;
            }
            Thread.sleep(100);
        }
        assertEquals("degraded", health.get("status").asText(), "the deletion is noticed: " + health);
        String problem = health.get("stateProblem").asText();
        assertTrue(problem.contains(state.toString()) && problem.contains("deleted"), problem);
        assertEquals(0700, (Integer) Files.getAttribute(state, "unix:mode") & 07777, "re-created root-only");
        assertTrue(Files.readString(state.resolve("ports.json")).contains("vm1"), "and the state written again");

        first.kill9();
        ForwarderProcess second = Forwarders.startServing(opened, dir.resolve("fwd.log"), config, control);
        assertEquals(1, Forwarders.ok(control, "{\"op\":\"port.list\"}").get("ports").size(),
                "the restart opens the port again");
        assertEquals("ok", Forwarders.ok(control, "{\"op\":\"health\"}").get("status").asText(), "a restart clears it");
    }
}
