package io.virtwire.forwarder.control;

import io.virtwire.linux.Errno;
import io.virtwire.linux.Epoll;
import io.virtwire.linux.ErrnoException;
import io.virtwire.linux.PeerCredentials;
import io.virtwire.linux.UnixSocket;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * The local control socket: a Unix stream socket, one JSON request per line, one response line each. Every
 * connection is checked against the {@link AccessPolicy} by SO_PEERCRED before anything is read; a refused caller
 * gets one error line and is disconnected.
 *
 * <p>Bounded ({@link ControlLimits}): at most {@code maxClients} connections are served at once, each on its own
 * platform thread (our socket calls block in native code, where a virtual thread would pin its carrier, so
 * virtual threads would not make waiting cheaper); one more gets a {@code TOO_MANY_CLIENTS} line and is closed.
 * A connection that sends no complete request for {@code idleTimeout}, or does not read its responses for that
 * long, gets an {@code IDLE_TIMEOUT} line (if it can still take one) and is closed. A connection's memory is two
 * fixed buffers and its current request line: responses are copied out through the send buffer, so nothing
 * accumulates over the requests of a long-lived connection.
 */
public final class ControlServer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ControlServer.class.getName());
    private static final int MAX_LINE = 1 << 20;
    /** Receive and send buffer, each, per connection. */
    private static final int BUFFER = 16 * 1024;
    /** A request line buffer that grew past this is dropped after its request, not kept for the connection's life. */
    private static final int KEEP_LINE = 64 * 1024;

    private final Path path;
    private final UnixSocket listener;
    private final ControlHandler handler;
    private final AccessPolicy policy;
    private final ControlLimits limits;
    private final Semaphore slots;
    private final Thread acceptor;
    private final Set<UnixSocket> clients = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private ControlServer(Path path, UnixSocket listener, ControlHandler handler, AccessPolicy policy,
                          ControlLimits limits) {
        this.path = path;
        this.listener = listener;
        this.handler = handler;
        this.policy = policy;
        this.limits = limits;
        this.slots = new Semaphore(limits.maxClients());
        this.acceptor = Thread.ofPlatform().name("vw-control").daemon(true).unstarted(this::acceptLoop);
    }

    /** {@link #start(Path, ControlHandler, AccessPolicy, ControlLimits)} with the default limits. */
    public static ControlServer start(Path path, ControlHandler handler, AccessPolicy policy) throws IOException {
        return start(path, handler, policy, ControlLimits.DEFAULT);
    }

    /** Binds {@code path} (replacing a stale socket of a dead process, never a live one) and starts serving. */
    public static ControlServer start(Path path, ControlHandler handler, AccessPolicy policy, ControlLimits limits)
            throws IOException {
        prepareDirectory(path.toAbsolutePath().getParent(), policy);
        removeIfStale(path);
        UnixSocket s = UnixSocket.create();
        try {
            s.bind(path);
            // set before listen(): nobody can connect while the mode is still the umask's
            if (policy.groupGid() >= 0) {
                Files.setAttribute(path, "unix:gid", policy.groupGid(), LinkOption.NOFOLLOW_LINKS);
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
            } else {
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            }
            s.listen(64);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        ControlServer server = new ControlServer(path, s, handler, policy, limits);
        server.acceptor.start();
        return server;
    }

    /**
     * Creates the socket's directory (01755: searchable like systemd's RuntimeDirectory, since QEMU must reach the
     * vhost-user sockets that usually live there too; sticky, so that if it is ever opened for group writes, e.g.
     * for QEMU's server-mode sockets, members can only remove their own files, never the control socket or
     * another guest's) and, with a control group, makes sure its members can traverse it: a directory of ours they
     * cannot search gets that group and g+x. A directory someone else owns is left alone with a warning naming
     * the fix. A directory others may write without the sticky bit gets it if it is ours, and is refused if not:
     * anyone able to write it could unlink the control socket and put their own in its place.
     */
    private static void prepareDirectory(Path dir, AccessPolicy policy) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Files.setAttribute(dir, "unix:mode", 01755);
            return;
        }
        stickyIfOthersMayWrite(dir);
        int gid = policy.groupGid();
        if (gid < 0) {
            return;
        }
        int mode = (Integer) Files.getAttribute(dir, "unix:mode");
        int dirGid = (Integer) Files.getAttribute(dir, "unix:gid");
        boolean membersMaySearch = (mode & 0001) != 0 || ((mode & 0010) != 0 && dirGid == gid);
        if (membersMaySearch) {
            return;
        }
        int dirUid = (Integer) Files.getAttribute(dir, "unix:uid");
        if (dirUid != AccessPolicy.ownUid()) {
            LOG.log(System.Logger.Level.WARNING, "members of the control group cannot reach the control socket: its"
                    + " directory " + dir + " (mode " + Integer.toOctalString(mode & 07777) + ", owner uid " + dirUid
                    + ") is not searchable for them and not ours to change; fix: chgrp <group> " + dir
                    + " && chmod g+x " + dir);
            return;
        }
        Files.setAttribute(dir, "unix:gid", gid);
        Files.setAttribute(dir, "unix:mode", (mode & 07777) | 0010); // keeps the sticky bit
        LOG.log(System.Logger.Level.INFO, "control socket directory " + dir + ": group set to gid " + gid
                + " with g+x so the control group's members can reach the socket");
    }

    private static void stickyIfOthersMayWrite(Path dir) throws IOException {
        int mode = (Integer) Files.getAttribute(dir, "unix:mode");
        if ((mode & 022) == 0 || (mode & 01000) != 0) {
            return;
        }
        int dirUid = (Integer) Files.getAttribute(dir, "unix:uid");
        if (dirUid != AccessPolicy.ownUid()) {
            throw new IOException("the control socket's directory " + dir + " (mode " + Integer.toOctalString(mode & 07777)
                    + ", owner uid " + dirUid + ") may be written by others and has no sticky bit: they could replace"
                    + " the control socket; fix: chmod +t " + dir + " (or put the control socket in a directory only"
                    + " root can write)");
        }
        Files.setAttribute(dir, "unix:mode", (mode & 07777) | 01000);
        LOG.log(System.Logger.Level.INFO, "control socket directory " + dir + ": sticky bit set (mode "
                + Integer.toOctalString((mode & 07777) | 01000) + "): others who may write it can no longer remove or"
                + " replace sockets that are not theirs");
    }

    /**
     * Refuses early if another forwarder serves {@code path}, before the daemon opens any port (a second instance
     * started by mistake must not touch the first one's sockets or state).
     */
    public static void checkNotServed(Path path) throws IOException {
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if ((mode & 0xF000) == 0xC000) {
                try (UnixSocket probe = UnixSocket.create()) {
                    probe.connect(path);
                    throw new FileAlreadyExistsException(path.toString(), null,
                            "another forwarder (pid " + probe.peerCredentials().pid() + ") serves this control socket");
                } catch (ErrnoException e) {
                    if (e.errno() != Errno.ECONNREFUSED) {
                        throw e;
                    }
                }
            }
        }
    }

    private static void removeIfStale(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & 0xF000) != 0xC000) {
            throw new FileAlreadyExistsException(path.toString(), null, "exists and is not a socket; refusing to replace it");
        }
        checkNotServed(path);
        Files.deleteIfExists(path);
    }

    public Path path() {
        return path;
    }

    private void acceptLoop() {
        while (!closed) {
            UnixSocket client;
            try {
                client = listener.accept(true);
            } catch (ErrnoException e) {
                if (!closed) {
                    LOG.log(System.Logger.Level.ERROR, "control socket accept failed: " + e.getMessage());
                }
                return;
            }
            if (!slots.tryAcquire()) {
                refuseAndClose(client, handler.refuse("TOO_MANY_CLIENTS", "the forwarder already serves "
                        + limits.maxClients() + " control connections (controlMaxClients); close an idle one or"
                        + " try again later"));
                continue;
            }
            clients.add(client);
            try {
                Thread.ofPlatform().name("vw-control-client").daemon(true).start(() -> serve(client));
            } catch (OutOfMemoryError | RuntimeException e) {
                clients.remove(client);
                slots.release();
                refuseAndClose(client, handler.refuse("INTERNAL", "cannot start a thread for this connection: " + e));
            }
        }
    }

    /** One line, if the socket takes it at once (it is new: it does), then close; never waits on the client. */
    private static void refuseAndClose(UnixSocket client, String response) {
        try (client; Arena arena = Arena.ofConfined()) {
            byte[] bytes = (response + "\n").getBytes(StandardCharsets.UTF_8);
            client.send(arena.allocate(bytes.length).copyFrom(MemorySegment.ofArray(bytes)));
        } catch (ErrnoException e) {
            // gone already, or not reading: nothing more to tell it
        }
    }

    private void serve(UnixSocket client) {
        try (client; Arena arena = Arena.ofConfined(); Epoll ready = Epoll.create(1)) {
            ready.add(client.fd(), Epoll.EPOLLIN, 0);
            Connection c = new Connection(client, ready, arena.allocate(BUFFER), arena.allocate(BUFFER));
            PeerCredentials peer = client.peerCredentials();
            String refusal = policy.refusal(peer);
            if (refusal != null) {
                LOG.log(System.Logger.Level.WARNING, "control: refused " + peer + ": " + refusal);
                c.send(handler.refuse("NOT_ALLOWED", refusal));
                return;
            }
            c.serve();
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                LOG.log(System.Logger.Level.DEBUG, "control client ended: " + e);
            }
        } finally {
            clients.remove(client);
            slots.release();
        }
    }

    /** One client's session: its (non-blocking) socket, readiness and fixed buffers. */
    private final class Connection {

        private final UnixSocket client;
        private final Epoll ready;
        private final MemorySegment in;
        private final MemorySegment out;
        private final long idleNanos = limits.idleTimeout().toNanos();
        private ByteArrayOutputStream line = new ByteArrayOutputStream();
        private long lastRequest = System.nanoTime();

        Connection(UnixSocket client, Epoll ready, MemorySegment in, MemorySegment out) {
            this.client = client;
            this.ready = ready;
            this.in = in;
            this.out = out;
        }

        void serve() throws IOException {
            while (!closed) {
                if (!await(Epoll.EPOLLIN, lastRequest + idleNanos)) {
                    idle();
                    return;
                }
                long n;
                try {
                    n = client.receive(in, 0).bytes();
                } catch (ErrnoException e) {
                    if (e.errno() == Errno.EAGAIN) {
                        continue;
                    }
                    throw e;
                }
                if (n == 0) {
                    return;
                }
                for (long i = 0; i < n; i++) {
                    byte b = in.get(ValueLayout.JAVA_BYTE, i);
                    if (b == '\n') {
                        String request = utf8(line);
                        line = line.size() > KEEP_LINE ? new ByteArrayOutputStream() : line;
                        line.reset();
                        lastRequest = System.nanoTime();
                        String response = request == null
                                ? handler.refuse("INVALID_JSON", "the request line is not UTF-8 text; send UTF-8 JSON")
                                : request.isEmpty() ? null : handler.handle(request);
                        if (response != null && !send(response)) {
                            return;
                        }
                    } else if (line.size() >= MAX_LINE) {
                        send(handler.refuse("INVALID_JSON", "request line longer than " + MAX_LINE
                                + " bytes; disconnecting"));
                        return;
                    } else {
                        line.write(b);
                    }
                }
            }
        }

        /** The line as text, trimmed; null if it is not UTF-8 (a lenient decode would change the names in it). */
        private static String utf8(ByteArrayOutputStream bytes) {
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes.toByteArray())).toString().trim();
            } catch (CharacterCodingException e) {
                return null;
            }
        }

        private void idle() {
            LOG.log(System.Logger.Level.DEBUG, "control: closing a connection idle for " + limits.idleTimeout());
            try {
                send(handler.refuse("IDLE_TIMEOUT", "no request for " + limits.idleTimeout().toSeconds()
                        + " s (controlIdleSeconds); closing the connection: reconnect to send more"));
            } catch (IOException e) {
                // it will see the close
            }
        }

        /**
         * Copies the response out through the fixed send buffer, waiting (up to the idle timeout) while the
         * client does not read. @return false if the client did not take it in time
         */
        boolean send(String response) throws IOException {
            byte[] bytes = (response + "\n").getBytes(StandardCharsets.UTF_8);
            int done = 0;
            long deadline = System.nanoTime() + idleNanos;
            while (done < bytes.length) {
                int chunk = (int) Math.min(out.byteSize(), bytes.length - done);
                MemorySegment.copy(bytes, done, out, ValueLayout.JAVA_BYTE, 0, chunk);
                try {
                    done += (int) client.send(out.asSlice(0, chunk));
                } catch (ErrnoException e) {
                    if (e.errno() != Errno.EAGAIN) {
                        throw e;
                    }
                    if (!await(Epoll.EPOLLOUT, deadline)) {
                        LOG.log(System.Logger.Level.DEBUG, "control: closing a connection that does not read");
                        return false;
                    }
                }
            }
            return true;
        }

        /** Waits until the socket is ready for {@code events} (or closed); false once {@code deadline} passed. */
        private boolean await(int events, long deadline) throws ErrnoException {
            ready.modify(client.fd(), events, 0);
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                if (ready.await((int) Math.min(Integer.MAX_VALUE, Math.max(1, left / 1_000_000))) > 0) {
                    return true;
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            listener.shutdown();
        } catch (ErrnoException e) {
            // not listening any more
        }
        listener.close();
        for (UnixSocket c : clients) {
            try {
                c.shutdown();
            } catch (ErrnoException e) {
                // already gone
            }
        }
        try {
            acceptor.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // gone already
        }
    }
}
