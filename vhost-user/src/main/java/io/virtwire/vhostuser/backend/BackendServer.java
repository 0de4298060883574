package io.virtwire.vhostuser.backend;

import io.virtwire.vhostuser.transport.Connection;
import io.virtwire.vhostuser.transport.Connector;
import io.virtwire.vhostuser.transport.Listener;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Serves one {@link VhostUserDevice} on one socket path, one {@link BackendSession} at a time, each on its own
 * platform thread (the session blocks in recvmsg).
 *
 * <ul>
 *   <li>Server mode ({@link #listen}): we bind the socket and QEMU connects ({@code server=off} on its side). When
 *       a front-end disconnects, the next one may connect. A connection arriving while a session runs waits in the
 *       listen backlog until that session ends: a vhost-user device has exactly one front-end at a time.</li>
 *   <li>Client mode ({@link #connect}): QEMU listens ({@code server=on}) and we connect, retrying until it is
 *       there, and reconnect after every disconnect until {@link #close()}.</li>
 * </ul>
 *
 * <p>A front-end that fails again and again is neither served as fast as it reconnects nor logged line by line:
 * after a session that started no ring, or ended within a second, the next one waits ({@link SessionBackoff}: 100 ms
 * doubling up to 5 s, reset by a healthy session), and the sessions of one socket share a rate-limited
 * {@link SessionLog}.
 */
public final class BackendServer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(BackendServer.class.getName());

    private final VhostUserDevice device;
    private final Path path;
    private final Listener listener;
    private final Connector connector;
    private final Thread thread;
    private final AtomicReference<BackendSession> current = new AtomicReference<>();
    private volatile boolean closed;
    private volatile int sessionsServed;
    private final SessionLog log = new SessionLog(LOG);
    private final SessionBackoff backoff = new SessionBackoff();
    /** A session is healthy when its rings started and it lasted this long (a running guest's session does). */
    static final long HEALTHY_NANOS = 1_000_000_000L;

    private BackendServer(VhostUserDevice device, Path path, Listener listener, Connector connector) {
        this.device = device;
        this.path = path;
        this.listener = listener;
        this.connector = connector;
        this.thread = Thread.ofPlatform().name("vhost-user " + path).daemon(true)
                .unstarted(listener != null ? this::acceptLoop : this::connectLoop);
    }

    /** Server mode: binds {@code path} (replacing a stale socket file) and serves front-ends that connect. */
    public static BackendServer listen(Path path, VhostUserDevice device) throws IOException {
        Listener listener = Listener.bind(path);
        BackendServer server = new BackendServer(device, path, listener, null);
        server.thread.start();
        return server;
    }

    /** Client mode: connects to the front-end's socket at {@code path}, retrying every {@code retry}, and reconnects. */
    public static BackendServer connect(Path path, VhostUserDevice device, Duration retry) {
        // each connect() keeps trying for a day; close() interrupts it
        BackendServer server = new BackendServer(device, path, null, new Connector(path, retry, Duration.ofDays(1)));
        server.thread.start();
        return server;
    }

    public Path path() {
        return path;
    }

    /** The running session, or null between front-ends. */
    public BackendSession session() {
        return current.get();
    }

    /** Sessions that have ended so far. */
    public int sessionsServed() {
        return sessionsServed;
    }

    private void acceptLoop() {
        while (!closed) {
            Connection connection;
            try {
                connection = listener.accept();
            } catch (IOException | RuntimeException | AssertionError e) {
                // close() shuts the listener down under a blocked accept (EINVAL), or closes it just before
                // accept reads the descriptor; either way we are done
                if (!closed) {
                    LOG.log(System.Logger.Level.ERROR, path + ": accept failed, no longer serving: " + e.getMessage());
                }
                return;
            }
            serve(connection);
        }
    }

    /** After a session: waits as {@link SessionBackoff} says (interrupted by {@link #close()}). */
    private void backOff(BackendSession session, long startedNanos) {
        // a session that started rings but ended within a second (start, break, hang up) is no healthier than one
        // that started none: a front-end doing that in a loop is backed off too
        boolean healthy = session.startedRings() && System.nanoTime() - startedNanos >= HEALTHY_NANOS;
        java.time.Duration wait = backoff.after(healthy);
        log.flushIfDue();
        if (wait.isZero() || closed) {
            return;
        }
        if (backoff.failuresInARow() == 1 || Long.bitCount(backoff.failuresInARow()) == 1) {
            // 1st, 2nd, 4th, 8th ... failure in a row: enough to see it happen without a line per session
            log.log(System.Logger.Level.WARNING, path + ": " + backoff.failuresInARow()
                    + " session(s) in a row ended without starting a ring or within a second; waiting " + wait.toMillis()
                    + " ms before serving the next (backoff doubles up to " + SessionBackoff.CAP.toSeconds()
                    + " s, reset by a session whose rings run for a second)");
        }
        try {
            Thread.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void connectLoop() {
        while (!closed) {
            Connection connection;
            try {
                connection = connector.connect();
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(System.Logger.Level.WARNING, path + ": connect failed, retrying: " + e.getMessage());
                    sleepQuietly();
                }
                continue;
            }
            serve(connection);
        }
    }

    private void serve(Connection connection) {
        long startedNanos = System.nanoTime();
        BackendSession session = new BackendSession(connection, device, path.toString(), log);
        current.set(session);
        try {
            if (closed) {
                session.close();
                return;
            }
            session.run();
        } finally {
            current.set(null);
            sessionsServed++;
        }
        backOff(session, startedNanos);
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Ends the running session (stopping its rings), stops accepting or reconnecting, removes the socket file. */
    @Override
    public void close() throws IOException {
        closed = true;
        BackendSession s = current.get();
        if (s != null) {
            s.shutdown();
        }
        if (listener != null) {
            listener.close();
        }
        thread.interrupt();
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.flush();
    }
}
