package io.virtwire.forwarder.control;

import io.virtwire.linux.Errno;
import io.virtwire.linux.ErrnoException;
import io.virtwire.linux.PeerCredentials;
import io.virtwire.linux.UnixSocket;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The local control socket: a Unix stream socket, one JSON request per line, one response line each. Every
 * connection is checked against the {@link AccessPolicy} by SO_PEERCRED before anything is read; a refused caller
 * gets one error line and is disconnected. One platform thread per client (the control plane is not hot).
 */
public final class ControlServer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ControlServer.class.getName());
    private static final int MAX_LINE = 1 << 20;

    private final Path path;
    private final UnixSocket listener;
    private final ControlHandler handler;
    private final AccessPolicy policy;
    private final Thread acceptor;
    private final Set<UnixSocket> clients = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private ControlServer(Path path, UnixSocket listener, ControlHandler handler, AccessPolicy policy) {
        this.path = path;
        this.listener = listener;
        this.handler = handler;
        this.policy = policy;
        this.acceptor = Thread.ofPlatform().name("vw-control").daemon(true).unstarted(this::acceptLoop);
    }

    /** Binds {@code path} (replacing a stale socket of a dead process, never a live one) and starts serving. */
    public static ControlServer start(Path path, ControlHandler handler, AccessPolicy policy) throws IOException {
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
            s.listen(16);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        ControlServer server = new ControlServer(path, s, handler, policy);
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
                client = listener.accept(false);
            } catch (ErrnoException e) {
                if (!closed) {
                    LOG.log(System.Logger.Level.ERROR, "control socket accept failed: " + e.getMessage());
                }
                return;
            }
            clients.add(client);
            Thread.ofPlatform().name("vw-control-client").daemon(true).start(() -> serve(client));
        }
    }

    private void serve(UnixSocket client) {
        try (client; Arena arena = Arena.ofConfined()) {
            PeerCredentials peer = client.peerCredentials();
            String refusal = policy.refusal(peer);
            if (refusal != null) {
                LOG.log(System.Logger.Level.WARNING, "control: refused " + peer + ": " + refusal);
                send(client, arena, handler.refuse("NOT_ALLOWED", refusal));
                return;
            }
            MemorySegment buf = arena.allocate(64 * 1024);
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            while (!closed) {
                long n = client.receive(buf, 0).bytes();
                if (n == 0) {
                    return;
                }
                for (long i = 0; i < n; i++) {
                    byte b = buf.get(ValueLayout.JAVA_BYTE, i);
                    if (b == '\n') {
                        String request = line.toString(StandardCharsets.UTF_8).trim();
                        line.reset();
                        if (!request.isEmpty()) {
                            send(client, arena, handler.handle(request));
                        }
                    } else if (line.size() >= MAX_LINE) {
                        send(client, arena, handler.refuse("INVALID_JSON", "request line longer than " + MAX_LINE
                                + " bytes; disconnecting"));
                        return;
                    } else {
                        line.write(b);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                LOG.log(System.Logger.Level.DEBUG, "control client ended: " + e);
            }
        } finally {
            clients.remove(client);
        }
    }

    private static void send(UnixSocket client, Arena arena, String response) throws ErrnoException {
        byte[] bytes = (response + "\n").getBytes(StandardCharsets.UTF_8);
        MemorySegment out = arena.allocate(bytes.length);
        MemorySegment.copy(bytes, 0, out, ValueLayout.JAVA_BYTE, 0, bytes.length);
        long done = 0;
        while (done < bytes.length) {
            done += client.send(out.asSlice(done));
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
