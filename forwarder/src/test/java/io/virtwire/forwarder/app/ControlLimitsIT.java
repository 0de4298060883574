package io.virtwire.forwarder.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtwire.forwarder.control.ControlClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The control plane is bounded (issue 13, finding 4), measured on the real daemon process from outside: 3000 idle
 * clients do not make 3000 threads (the old daemon: 3021 threads, +230 MB), the extras are refused with one line,
 * the idle ones are closed after the idle timeout, and 40,000 requests on one connection do not grow the daemon
 * (the old one: +42 MB, every response kept in native memory until the connection closed).
 */
@Timeout(300)
class ControlLimitsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_CLIENTS = 64;
    private static final int IDLE_SECONDS = 10;

    @TempDir
    Path dir;

    private LaunchedDaemon start(Path control) throws Exception {
        Path config = dir.resolve("forwarder.yaml");
        // two ports, so a stats response is about the size it was in the finding
        Files.writeString(config, """
                control: %s
                stateDir: %s
                controlMaxClients: %d
                controlIdleSeconds: %d
                ports:
                  - {name: sctl-a, socket: %s}
                  - {name: sctl-b, socket: %s}
                """.formatted(control, dir.resolve("state"), MAX_CLIENTS, IDLE_SECONDS, dir.resolve("a.sock"),
                dir.resolve("b.sock")));
        LaunchedDaemon d = LaunchedDaemon.start(dir.resolve("fwd.log"), "--config", config.toString());
        d.awaitControl(control);
        return d;
    }

    @Test
    void threeThousandIdleClientsAreCappedAndClosedAndTheDaemonStillAnswers() throws Exception {
        Path control = dir.resolve("control.sock");
        try (LaunchedDaemon d = start(control)) {
            Thread.sleep(1000);
            int threadsBefore = d.threads();
            long rssBefore = d.rssKib();
            List<SocketChannel> clients = new ArrayList<>();
            long opened = System.nanoTime();
            try {
                for (int i = 0; i < 3000; i++) {
                    clients.add(SocketChannel.open(UnixDomainSocketAddress.of(control)));
                }
                Thread.sleep(1500);
                int threadsDuring = d.threads();
                long rssDuring = d.rssKib();
                System.out.println("3000 idle clients: threads " + threadsBefore + " -> " + threadsDuring + ", RSS +"
                        + (rssDuring - rssBefore) / 1024 + " MiB");
                assertTrue(threadsDuring <= threadsBefore + MAX_CLIENTS + 16, "3000 idle clients: " + threadsDuring
                        + " threads, " + threadsBefore + " before; at most " + MAX_CLIENTS + " client threads may be added");
                assertTrue(rssDuring - rssBefore < 48 * 1024, "3000 idle clients grew the daemon by "
                        + (rssDuring - rssBefore) / 1024 + " MiB");

                // one more while every slot is taken: refused with one line, then closed
                try (SocketChannel extra = SocketChannel.open(UnixDomainSocketAddress.of(control))) {
                    BufferedReader in = reader(extra);
                    JsonNode r = JSON.readTree(in.readLine());
                    assertFalse(r.get("ok").asBoolean(), r.toString());
                    assertEquals("TOO_MANY_CLIENTS", r.get("error").get("kind").asText(), r.toString());
                    assertTrue(r.get("error").get("message").asText().contains("controlMaxClients"), r.toString());
                    assertNull(in.readLine(), "closed after the refusal");
                }

                // every client gets exactly one line and then the end: refused at once, or closed when idle
                int refused = 0;
                int idle = 0;
                long firstIdleNanos = 0;
                for (SocketChannel c : clients) {
                    BufferedReader in = reader(c);
                    String line = in.readLine();
                    JsonNode r = JSON.readTree(line);
                    String code = r.get("error").get("kind").asText();
                    if (code.equals("IDLE_TIMEOUT")) {
                        idle++;
                        if (firstIdleNanos == 0) {
                            firstIdleNanos = System.nanoTime() - opened;
                        }
                    } else {
                        assertEquals("TOO_MANY_CLIENTS", code, line);
                        refused++;
                    }
                    assertNull(in.readLine(), "the daemon closed the connection after: " + line);
                }
                assertEquals(MAX_CLIENTS, idle, "the served clients were closed when idle");
                assertEquals(3000 - MAX_CLIENTS, refused);
                assertTrue(firstIdleNanos >= (IDLE_SECONDS - 1) * 1_000_000_000L,
                        "not closed before the idle timeout: after " + firstIdleNanos / 1_000_000 + " ms");
            } finally {
                for (SocketChannel c : clients) {
                    c.close();
                }
            }
            try (ControlClient c = new ControlClient(control)) {
                assertEquals("ok", c.call("{\"op\":\"health\"}").get("result").get("status").asText());
            }
            Thread.sleep(500);
            assertTrue(d.threads() <= threadsBefore + 16, "the client threads are gone: " + d.threads()
                    + ", " + threadsBefore + " before");
            assertTrue(d.process().isAlive());
        }
    }

    @Test
    void fortyThousandRequestsOnOneConnectionDoNotGrowTheDaemon() throws Exception {
        Path control = dir.resolve("control.sock");
        try (LaunchedDaemon d = start(control); ControlClient c = new ControlClient(control)) {
            // warm up (JIT, the JVM's own first-use allocations), then measure
            for (int i = 0; i < 5000; i++) {
                assertTrue(c.call("{\"op\":\"stats\"}").get("ok").asBoolean());
            }
            // two rounds of 40,000: responses kept per connection grow the daemon in both (the old one: +42 MB each);
            // the JIT's own memory (compiler arenas, code) grows once, in the first, so the second is the sharp test
            long[] grown = new long[2];
            int bytes = 0;
            for (int round = 0; round < 2; round++) {
                long before = d.rssKib();
                for (int i = 0; i < 40_000; i++) {
                    JsonNode r = c.call("{\"op\":\"stats\"}");
                    if (i == 0) {
                        bytes = r.toString().length();
                        assertEquals(2, r.get("result").get("ports").size(), r.toString());
                    }
                }
                grown[round] = d.rssKib() - before;
            }
            System.out.println("40,000 stats of " + bytes + " bytes on one connection, twice: RSS +" + grown[0] / 1024
                    + " MiB, then +" + grown[1] / 1024 + " MiB");
            assertTrue(grown[0] < 32 * 1024, "40,000 stats on one connection grew the daemon by " + grown[0] / 1024 + " MiB");
            assertTrue(grown[1] < 8 * 1024, "40,000 more stats (" + bytes + " bytes each) on the same connection grew the"
                    + " daemon by " + grown[1] / 1024 + " MiB; the responses must not be kept until the connection closes");
            assertTrue(c.call("{\"op\":\"health\"}").get("ok").asBoolean(), "the connection still works");
        }
    }

    private static BufferedReader reader(SocketChannel c) {
        return new BufferedReader(new InputStreamReader(Channels.newInputStream(c), StandardCharsets.UTF_8));
    }
}
