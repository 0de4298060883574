package io.virtwire.provisioner.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.virtwire.provisioner.VirtwireException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The control client against the real daemon (refusals the CLI cannot foresee) and against broken peers. */
@Timeout(60)
class ForwarderControlClientTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private VirtwireException refusal(ForwarderControlClient c, Runnable call) {
        return assertThrows(VirtwireException.class, call::run);
    }

    @Test
    void daemonRefusalsKeepTheirCodeAndMessage() throws Exception {
        try (TestForwarder fwd = TestForwarder.start(dir)) {
            ForwarderControlClient c = new ForwarderControlClient(fwd.control(), Duration.ofSeconds(5));
            VirtwireException op = refusal(c, () -> c.call("reboot", null));
            assertEquals(VirtwireException.Kind.INVALID_INPUT, op.kind());
            assertTrue(op.getMessage().startsWith("forwarder refused reboot (UNKNOWN_OP): op 'reboot' is not one of"), op.getMessage());

            // a field the CLI never sends, and a queue size the CLI has no option for: only the daemon can refuse them
            ObjectNode extra = JSON.createObjectNode().put("name", "x").put("bogus", 1);
            VirtwireException field = refusal(c, () -> c.call("port.del", extra));
            assertEquals(VirtwireException.Kind.INVALID_INPUT, field.kind());
            assertTrue(field.getMessage().contains("INVALID_ARGUMENT") && field.getMessage().contains("bogus"), field.getMessage());
            VirtwireException size = refusal(c, () -> c.portAdd(new PortSpec("q", PortSpec.VHOST_USER, dir.resolve("q.sock").toString(),
                    null, null, 100, null, null, null)));
            assertEquals(VirtwireException.Kind.INVALID_INPUT, size.kind());
            assertTrue(size.getMessage().contains("queueSize 100"), size.getMessage());

            VirtwireException unknown = refusal(c, () -> c.portDel("ghost"));
            assertEquals(VirtwireException.Kind.NOT_FOUND, unknown.kind());
            assertTrue(unknown.getMessage().contains("UNKNOWN_PORT") && unknown.getMessage().contains("'ghost'"), unknown.getMessage());
            VirtwireException noIf = refusal(c, () -> c.macs(Optional.of(4095), Optional.empty()));
            assertEquals(VirtwireException.Kind.INVALID_INPUT, noIf.kind());
            assertEquals("ok", c.health().get("status").asText(), "the daemon keeps running after refusals");
        }
    }

    @Test
    void codesMapToKinds() {
        assertEquals(VirtwireException.Kind.NOT_FOUND, ForwarderControlClient.kindOf("UNKNOWN_PORT"));
        assertEquals(VirtwireException.Kind.NOT_FOUND, ForwarderControlClient.kindOf("NO_SUCH_INTERFACE"));
        assertEquals(VirtwireException.Kind.CONFLICT, ForwarderControlClient.kindOf("DUPLICATE_NAME"));
        assertEquals(VirtwireException.Kind.CONFLICT, ForwarderControlClient.kindOf("SOCKET_IN_USE"));
        assertEquals(VirtwireException.Kind.CONFLICT, ForwarderControlClient.kindOf("INTERFACE_IN_USE"));
        assertEquals(VirtwireException.Kind.UNAVAILABLE, ForwarderControlClient.kindOf("TOO_MANY_CLIENTS"));
        assertEquals(VirtwireException.Kind.UNAVAILABLE, ForwarderControlClient.kindOf("IDLE_TIMEOUT"));
        assertEquals(VirtwireException.Kind.INVALID_INPUT, ForwarderControlClient.kindOf("INVALID_ARGUMENT"));
        assertEquals(VirtwireException.Kind.INVALID_INPUT, ForwarderControlClient.kindOf("INVALID_JSON"));
        assertEquals(VirtwireException.Kind.UNAVAILABLE, ForwarderControlClient.kindOf("NOT_ALLOWED"));
        assertEquals(VirtwireException.Kind.HOST, ForwarderControlClient.kindOf("PORT_OPEN_FAILED"));
        assertEquals(VirtwireException.Kind.HOST, ForwarderControlClient.kindOf("INTERNAL"));
    }

    @Test
    void aStaleSocketFileIsANotRunningDaemon() throws Exception {
        Path stale = dir.resolve("stale.sock");
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(stale));
        } // closed: the file stays, nobody listens (a killed daemon)
        ForwarderControlClient c = new ForwarderControlClient(stale, Duration.ofSeconds(2));
        VirtwireException e = refusal(c, c::health);
        assertEquals(VirtwireException.Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("the virtwire forwarder is not running: connecting to " + stale + " failed"), e.getMessage());
        assertTrue(e.getMessage().contains("start it: bin/virtwire-forwarder --control " + stale), e.getMessage());
    }

    /** A peer that accepts one connection, reads the request line and answers with {@code reply(request)} (null: nothing). */
    private Thread fakeDaemon(ServerSocketChannel server, Function<String, String> reply) {
        return Thread.ofPlatform().daemon(true).start(() -> {
            try (SocketChannel ch = server.accept()) {
                ByteBuffer in = ByteBuffer.allocate(4096);
                StringBuilder req = new StringBuilder();
                while (req.indexOf("\n") < 0 && ch.read(in) > 0) {
                    req.append(new String(in.array(), 0, in.position(), StandardCharsets.UTF_8));
                    in.clear();
                }
                String r = reply.apply(req.toString().trim());
                if (r == null) {
                    Thread.sleep(3000);
                    return;
                }
                ch.write(ByteBuffer.wrap(r.getBytes(StandardCharsets.UTF_8)));
            } catch (IOException | InterruptedException e) {
                // the client gave up
            }
        });
    }

    private VirtwireException againstFake(Function<String, String> reply, Duration timeout) throws Exception {
        Path sock = dir.resolve("fake-" + System.nanoTime() + ".sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            fakeDaemon(server, reply);
            ForwarderControlClient c = new ForwarderControlClient(sock, timeout);
            return refusal(c, c::health);
        }
    }

    @Test
    void aDaemonThatAcceptsNothingIsRefusedAtOnceNotWaitedForWithoutBound() throws Exception {
        Path sock = dir.resolve("full.sock");
        List<SocketChannel> queued = new java.util.ArrayList<>();
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock), 1); // never accepts: its backlog fills up
            for (int i = 0; i < 8; i++) {
                SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
                c.configureBlocking(false);
                queued.add(c);
                try {
                    c.connect(UnixDomainSocketAddress.of(sock));
                } catch (IOException full) {
                    break;
                }
            }
            ForwarderControlClient c = new ForwarderControlClient(sock, Duration.ofSeconds(30));
            long t0 = System.nanoTime();
            VirtwireException e = refusal(c, c::health);
            assertEquals(VirtwireException.Kind.UNAVAILABLE, e.kind());
            assertTrue(e.getMessage().contains("accepts no connection now"), e.getMessage());
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "refused at once, not after the 30 s timeout");
        } finally {
            for (SocketChannel q : queued) {
                q.close();
            }
        }
    }

    @Test
    void aDaemonThatDoesNotAnswerTimesOut() throws Exception {
        long t0 = System.nanoTime();
        VirtwireException e = againstFake(req -> null, Duration.ofMillis(300));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(VirtwireException.Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("did not answer within 300 ms (waiting for the response)"), e.getMessage());
        assertTrue(ms >= 300 && ms < 2500, "bounded by the timeout: " + ms + " ms");
    }

    @Test
    void brokenPeersAreClearErrors() throws Exception {
        VirtwireException closed = againstFake(req -> "", Duration.ofSeconds(2));
        assertEquals(VirtwireException.Kind.UNAVAILABLE, closed.kind());
        assertTrue(closed.getMessage().contains("closed the connection without answering"), closed.getMessage());

        VirtwireException garbage = againstFake(req -> "HTTP/1.1 400 Bad Request\n", Duration.ofSeconds(2));
        assertEquals(VirtwireException.Kind.HOST, garbage.kind());
        assertTrue(garbage.getMessage().contains("not the control protocol") && garbage.getMessage().contains("HTTP/1.1 400"), garbage.getMessage());

        VirtwireException wrongId = againstFake(req -> "{\"id\":-5,\"ok\":true,\"result\":{}}\n", Duration.ofSeconds(2));
        assertEquals(VirtwireException.Kind.HOST, wrongId.kind());
        assertTrue(wrongId.getMessage().contains("answered request -5"), wrongId.getMessage());

        // the request the client sent is one line of JSON with op and id
        String[] seen = new String[1];
        againstFake(req -> {
            seen[0] = req;
            return "{\"ok\":false,\"error\":{\"kind\":\"NOT_ALLOWED\",\"message\":\"uid 1000 may not use the forwarder's control socket\"}}\n";
        }, Duration.ofSeconds(2));
        var req = JSON.readTree(seen[0]);
        assertEquals("health", req.get("op").asText());
        assertTrue(req.get("id").isNumber(), seen[0]);
    }

    @Test
    void aRefusalKeepsTheDaemonsErrorKindAlsoFromADaemonOlderThanIssue18() throws Exception {
        VirtwireException now = againstFake(req -> "{\"ok\":false,\"error\":{\"kind\":\"UNKNOWN_PORT\",\"message\":\"no port named 'x'\"}}\n",
                Duration.ofSeconds(2));
        assertEquals(VirtwireException.Kind.NOT_FOUND, now.kind());
        assertTrue(now.getMessage().contains("(UNKNOWN_PORT): no port named 'x'"), now.getMessage());
        // before issue 18 the daemon called the error's kind "code"
        VirtwireException old = againstFake(req -> "{\"ok\":false,\"error\":{\"code\":\"UNKNOWN_PORT\",\"message\":\"no port named 'x'\"}}\n",
                Duration.ofSeconds(2));
        assertEquals(VirtwireException.Kind.NOT_FOUND, old.kind());
        assertTrue(old.getMessage().contains("(UNKNOWN_PORT): no port named 'x'"), old.getMessage());
    }
}
