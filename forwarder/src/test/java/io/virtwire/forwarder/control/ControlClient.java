package io.virtwire.forwarder.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** A control-socket client for tests, using the JDK's own AF_UNIX channel (independent of our FFM sockets). */
public final class ControlClient implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final SocketChannel channel;
    private final BufferedReader in;

    public ControlClient(Path socket) throws IOException {
        channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
    }

    /** Sends one line as is and reads one response line. */
    public JsonNode raw(String line) throws IOException {
        ByteBuffer b = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
            channel.write(b);
        }
        String response = in.readLine();
        if (response == null) {
            throw new IOException("the forwarder closed the connection");
        }
        return JSON.readTree(response);
    }

    public JsonNode call(String json) throws IOException {
        return raw(json);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
