package io.virtwire.forwarder.control;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The per-port {@code offloads} switch over the real control socket: port.add takes it, port.list and stats show it. */
@Timeout(60)
class OffloadsControlTest {

    @TempDir
    Path dir;

    private DaemonWithClient running;
    private ControlClient client;

    @BeforeEach
    void start() throws Exception {
        running = DaemonWithClient.start(dir, "plain");
        client = running.client();
    }

    @AfterEach
    void stop() throws Exception {
        running.close();
    }

    @Test
    void offloadsAreAPortFieldOffByDefault() throws Exception {
        JsonNode added = client.call("{\"op\":\"port.add\",\"port\":{\"name\":\"vm1\",\"socket\":\""
                + dir.resolve("vm1.sock") + "\",\"offloads\":true}}");
        assertTrue(added.get("ok").asBoolean(), added.toString());
        assertTrue(added.get("result").get("port").get("offloads").asBoolean(), added.toString());
        JsonNode ports = client.call("{\"op\":\"port.list\"}").get("result").get("ports");
        for (JsonNode p : ports) {
            assertEquals(p.get("name").asText().equals("vm1"), p.get("offloads").asBoolean(), p.toString());
        }
        JsonNode stats = client.call("{\"op\":\"stats\",\"name\":\"vm1\"}").get("result").get("ports").get(0);
        assertEquals(0, stats.get("drops").get("badOffload").asLong(), "the counter exists: " + stats);

        JsonNode refused = client.call("{\"op\":\"port.add\",\"port\":{\"name\":\"vm2\",\"socket\":\""
                + dir.resolve("vm2.sock") + "\",\"offloads\":\"sometimes\"}}");
        assertFalse(refused.get("ok").asBoolean(), refused.toString());
        assertEquals("INVALID_ARGUMENT", refused.get("error").get("kind").asText(), refused.toString());
        // names the value and the rule (Jackson's message; the field's name is not in it, for any port field)
        assertTrue(refused.get("error").get("message").asText().contains("sometimes"), refused.toString());
        assertEquals(2, client.call("{\"op\":\"port.list\"}").get("result").get("ports").size(), "nothing added");
    }
}
