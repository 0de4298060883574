package io.virtwire.provisioner.forwarder;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.virtwire.provisioner.VirtwireException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The forwarder's control socket (docs/forwarder.md): one JSON request per line, one JSON response line each.
 * One connection per request keeps the client stateless; every step (connect, write, read) is bounded by the
 * timeout so a hung daemon cannot hang the CLI or the libvirt hook.
 *
 * <p>Failures become {@link VirtwireException}s: the daemon's refusals keep its error kind and message, mapped to the
 * CLI's kinds ({@link #kindOf}); a daemon that is not running is {@code UNAVAILABLE} with how to start it.
 */
public final class ForwarderControlClient {

    public static final String DEFAULT_SOCKET = "/run/virtwire/forwarder.sock";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX_RESPONSE = 16 << 20;

    private static final ObjectMapper JSON = new ObjectMapper().setSerializationInclusion(JsonInclude.Include.NON_NULL);
    private static final AtomicLong IDS = new AtomicLong(1);

    private final Path socket;
    private final Duration timeout;

    public ForwarderControlClient(Path socket, Duration timeout) {
        this.socket = socket;
        this.timeout = timeout;
    }

    public Path socket() {
        return socket;
    }

    /** A response line: {@code {"id":..,"ok":true,"result":{..}}} or {@code {"id":..,"ok":false,"error":{..}}}. */
    public record Response(JsonNode id, boolean ok, JsonNode result, Error error) {
        /** {@code kind}: the daemon's error name; a forwarder older than issue 18 called it {@code code}. */
        public record Error(@JsonAlias("code") String kind, String message) {
        }
    }

    // ---------------------------------------------------------------------------------------------- operations

    public JsonNode health() {
        return call("health", null);
    }

    public JsonNode portList() {
        return call("port.list", null);
    }

    public JsonNode portAdd(PortSpec port) {
        ObjectNode f = JSON.createObjectNode();
        f.set("port", JSON.valueToTree(port));
        return call("port.add", f);
    }

    public JsonNode portDel(String name) {
        ObjectNode f = JSON.createObjectNode();
        f.put("name", name);
        return call("port.del", f);
    }

    public JsonNode stats(Optional<String> port) {
        ObjectNode f = JSON.createObjectNode();
        port.ifPresent(p -> f.put("name", p));
        return call("stats", f);
    }

    public JsonNode macs(Optional<Integer> vlan, Optional<String> port) {
        ObjectNode f = JSON.createObjectNode();
        vlan.ifPresent(v -> f.put("vlan", v));
        port.ifPresent(p -> f.put("port", p));
        return call("macs", f);
    }

    /** Sends {@code op} with {@code fields} and returns the result object, or throws the daemon's refusal. */
    public JsonNode call(String op, ObjectNode fields) {
        ObjectNode req = JSON.createObjectNode();
        req.put("op", op);
        long id = IDS.getAndIncrement();
        req.put("id", id);
        if (fields != null) {
            req.setAll(fields);
        }
        Response r = parse(exchange(req.toString()));
        if (!r.ok()) {
            Response.Error e = r.error() == null ? new Response.Error("INTERNAL", "refused without an error object") : r.error();
            throw new VirtwireException(kindOf(e.kind()), "forwarder refused " + op + " (" + e.kind() + "): " + e.message());
        }
        if (r.id() != null && r.id().asLong() != id) {
            throw new VirtwireException(VirtwireException.Kind.HOST, "forwarder at " + socket + " answered request " + r.id()
                    + " to request " + id + "; is something else listening on the control socket?");
        }
        return r.result() == null ? JSON.createObjectNode() : r.result();
    }

    /** How the daemon's error kinds (ForwarderException's codes) map to the CLI's kinds and exit codes. */
    public static VirtwireException.Kind kindOf(String code) {
        return switch (code == null ? "" : code) {
            case "UNKNOWN_PORT", "NO_SUCH_INTERFACE" -> VirtwireException.Kind.NOT_FOUND;
            case "DUPLICATE_NAME", "SOCKET_IN_USE", "INTERFACE_IN_USE" -> VirtwireException.Kind.CONFLICT;
            case "INVALID_ARGUMENT", "INVALID_JSON", "UNKNOWN_OP" -> VirtwireException.Kind.INVALID_INPUT;
            // the daemon's control-connection cap and idle timeout: busy now, a later try can succeed
            case "NOT_ALLOWED", "TOO_MANY_CLIENTS", "IDLE_TIMEOUT" -> VirtwireException.Kind.UNAVAILABLE;
            default -> VirtwireException.Kind.HOST; // PORT_OPEN_FAILED, INTERNAL: the host or the daemon failed
        };
    }

    private Response parse(String line) {
        try {
            return JSON.readValue(line, Response.class);
        } catch (JsonProcessingException e) {
            throw new VirtwireException(VirtwireException.Kind.HOST, "forwarder at " + socket + " sent a response that is not"
                    + " the control protocol (" + e.getOriginalMessage() + "): " + abbreviate(line));
        }
    }

    private String exchange(String request) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (SocketChannel ch = connect(); Selector selector = Selector.open()) {
            SelectionKey key = ch.register(selector, SelectionKey.OP_WRITE);
            ByteBuffer out = ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                await(selector, deadline, "sending the request");
                ch.write(out);
            }
            key.interestOps(SelectionKey.OP_READ);
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            ByteBuffer in = ByteBuffer.allocate(64 * 1024);
            while (true) {
                await(selector, deadline, "waiting for the response");
                in.clear();
                int n = ch.read(in);
                if (n < 0) {
                    throw new VirtwireException(VirtwireException.Kind.UNAVAILABLE, "forwarder at " + socket
                            + " closed the connection without answering" + (line.size() > 0 ? ": " + abbreviate(line.toString(StandardCharsets.UTF_8)) : "")
                            + "; see its log (journalctl -u virtwire-forwarder)");
                }
                for (int i = 0; i < n; i++) {
                    byte b = in.get(i);
                    if (b == '\n') {
                        return line.toString(StandardCharsets.UTF_8);
                    }
                    line.write(b);
                }
                if (line.size() > MAX_RESPONSE) {
                    throw new VirtwireException(VirtwireException.Kind.HOST, "forwarder at " + socket + " sent a response line longer than "
                            + MAX_RESPONSE + " bytes");
                }
            }
        } catch (IOException e) {
            throw new VirtwireException(VirtwireException.Kind.UNAVAILABLE, "forwarder control socket " + socket + ": " + e.getMessage(), e);
        }
    }

    private SocketChannel connect() {
        if (!Files.exists(socket)) {
            throw notRunning("there is no control socket at " + socket);
        }
        SocketChannel ch = null;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            // non-blocking: a UNIX stream connect completes at once, or fails with EAGAIN when the daemon's accept
            // backlog is full (a blocking connect would wait for it without bound)
            ch.configureBlocking(false);
            if (!ch.connect(UnixDomainSocketAddress.of(socket))) {
                throw new IOException("the connection did not complete at once (accept backlog full?)");
            }
            return ch;
        } catch (IOException e) {
            closeQuietly(ch);
            String why = String.valueOf(e.getMessage());
            if (why.contains("temporarily unavailable") || why.contains("did not complete")) {
                throw new VirtwireException(VirtwireException.Kind.UNAVAILABLE, "forwarder at " + socket + " accepts no connection now ("
                        + why + "): it is overloaded or stuck; see its log (journalctl -u virtwire-forwarder)", e);
            }
            if (why.contains("ermission denied")) {
                throw new VirtwireException(VirtwireException.Kind.UNAVAILABLE, "not allowed to use the forwarder control socket "
                        + socket + " (" + why + "): run as root or as a member of the forwarder's controlGroup", e);
            }
            throw notRunning("connecting to " + socket + " failed (" + why + ")");
        }
    }

    private VirtwireException notRunning(String what) {
        return new VirtwireException(VirtwireException.Kind.UNAVAILABLE, "the virtwire forwarder is not running: " + what
                + "; start it: bin/virtwire-forwarder --control " + socket + " (or systemctl start virtwire-forwarder),"
                + " or point virtwire at its socket with --forwarder SOCK / VIRTWIRE_FORWARDER_SOCK");
    }

    private void await(Selector selector, long deadline, String what) throws IOException {
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new VirtwireException(VirtwireException.Kind.UNAVAILABLE, "forwarder at " + socket + " did not answer within "
                        + timeout.toMillis() + " ms (" + what + "); is it stuck? see its log (journalctl -u virtwire-forwarder)");
            }
            if (selector.select(Math.max(1, left / 1_000_000)) > 0) {
                selector.selectedKeys().clear();
                return;
            }
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing a socket that failed to connect
            }
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
