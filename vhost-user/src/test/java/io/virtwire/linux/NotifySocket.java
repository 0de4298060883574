package io.virtwire.linux;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The receiving end of sd_notify for tests: a datagram socket bound where {@code $NOTIFY_SOCKET} points (a path or
 * {@code @abstract}), as systemd's own. Messages are read without blocking, polled until a deadline.
 */
public record NotifySocket(UnixDatagramSocket socket, String address) implements AutoCloseable {

    /** Binds {@code address}: {@code /path} or {@code @name}, as {@code $NOTIFY_SOCKET} would say. */
    public static NotifySocket bind(String address) throws ErrnoException {
        UnixDatagramSocket socket = UnixDatagramSocket.open(true);
        try {
            socket.bind(address);
        } catch (ErrnoException | RuntimeException e) {
            socket.close();
            throw e;
        }
        return new NotifySocket(socket, address);
    }

    /** The next message, or null if none arrives within {@code timeout}. */
    public String receive(Duration timeout) throws ErrnoException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            byte[] message = socket.receive(4096);
            if (message != null) {
                return new String(message, StandardCharsets.UTF_8);
            }
            if (System.nanoTime() > deadline) {
                return null;
            }
            Thread.sleep(5);
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
