package io.virtwire.forwarder.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A QMP connection to one QEMU (its {@code -qmp unix:PATH,server=on,wait=off} socket): the greeting, then
 * qmp_capabilities, then one command at a time. Asynchronous events (MIGRATION, RESUME, ...) are skipped.
 */
final class Qmp implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final SocketChannel channel;
    private final BufferedReader in;

    private Qmp(SocketChannel channel) {
        this.channel = channel;
        this.in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
    }

    /** Connects, retrying until QEMU has opened its QMP socket (bounded). */
    static Qmp connect(Path socket, int seconds) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        IOException last = null;
        while (System.nanoTime() < deadline) {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
                Qmp q = new Qmp(ch);
                q.in.readLine(); // {"QMP": {"version": ...}}
                q.execute("qmp_capabilities", null);
                return q;
            } catch (IOException e) {
                ch.close();
                last = e;
                Thread.sleep(200);
            }
        }
        throw new AssertionError("no QMP on " + socket + " within " + seconds + " s: " + last);
    }

    /** Runs {@code command} with {@code arguments} (JSON object text or null); returns "return", fails on "error". */
    JsonNode execute(String command, String arguments) throws IOException {
        String line = "{\"execute\":\"" + command + "\"" + (arguments == null ? "" : ",\"arguments\":" + arguments) + "}\n";
        ByteBuffer b = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
            channel.write(b);
        }
        while (true) {
            String reply = in.readLine();
            if (reply == null) {
                throw new IOException("QEMU closed QMP during " + command);
            }
            JsonNode r = JSON.readTree(reply);
            if (r.has("return")) {
                return r.get("return");
            }
            if (r.has("error")) {
                throw new IOException(command + ": " + r.get("error"));
            }
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
