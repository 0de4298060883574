package io.virtwire.vhostuser.transport;

import io.virtwire.linux.Errno;
import io.virtwire.linux.ErrnoException;
import io.virtwire.linux.UnixSocket;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Client mode: the backend connects to a socket the frontend (QEMU with {@code server=on}) listens on. QEMU may
 * not be up yet, or may be restarting, so refused and missing sockets are retried every {@code retryInterval}
 * until {@code timeout}. After a {@link PeerDisconnectedException}, call {@link #connect()} again to reconnect.
 */
public final class Connector {

    private final Path path;
    private final Duration retryInterval;
    private final Duration timeout;

    /**
     * @param timeout how long one {@link #connect()} keeps trying; {@link Duration#ZERO} tries once
     */
    public Connector(Path path, Duration retryInterval, Duration timeout) {
        if (retryInterval.isNegative() || retryInterval.isZero()) {
            throw new IllegalArgumentException("retry interval " + retryInterval + " must be positive");
        }
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("connect timeout " + timeout + " is negative");
        }
        this.path = path;
        this.retryInterval = retryInterval;
        this.timeout = timeout;
    }

    /**
     * @throws ErrnoException          the last connect error once the timeout has passed, or at once for errors
     *                                 that waiting cannot fix (EACCES, ENOTSOCK, ...)
     * @throws InterruptedIOException  if the thread is interrupted while waiting to retry
     */
    public Connection connect() throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            UnixSocket socket = UnixSocket.create();
            try {
                socket.connect(path);
                return new Connection(socket);
            } catch (ErrnoException e) {
                socket.close();
                if (!worthRetrying(e) || System.nanoTime() - deadline >= 0) {
                    throw e;
                }
            } catch (RuntimeException e) {
                socket.close();
                throw e;
            }
            try {
                Thread.sleep(retryInterval);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting to reconnect to " + path);
            }
        }
    }

    public Path path() {
        return path;
    }

    private static boolean worthRetrying(ErrnoException e) {
        int errno = e.errno();
        // ENOENT: not created yet; ECONNREFUSED: stale file, server restarting; EAGAIN: backlog full
        return errno == Errno.ENOENT || errno == Errno.ECONNREFUSED || errno == Errno.EAGAIN;
    }
}
