package io.virtwire.vhostuser.transport;

import io.virtwire.linux.Errno;
import io.virtwire.linux.ErrnoException;
import io.virtwire.linux.PeerCredentials;
import io.virtwire.linux.UnixSocket;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * A vhost-user server socket (the backend in server mode, QEMU connecting as client). Binding replaces a
 * stale socket file left by a crashed process, but never one somebody still listens on and never a file that
 * is not a socket. Closing removes the socket file if it is still the one we created.
 */
public final class Listener implements AutoCloseable {

    private static final int S_IFMT = 0xF000;
    private static final int S_IFSOCK = 0xC000;
    private static final int BACKLOG = 16;

    private final UnixSocket socket;
    private final Path path;
    private final Object inode;

    private Listener(UnixSocket socket, Path path, Object inode) {
        this.socket = socket;
        this.path = path;
        this.inode = inode;
    }

    /**
     * @throws FileAlreadyExistsException if {@code path} is a live socket or not a socket at all
     * @throws IllegalArgumentException   if the path is too long for an AF_UNIX address
     */
    public static Listener bind(Path path) throws IOException {
        removeIfStale(path);
        UnixSocket socket = UnixSocket.create();
        try {
            socket.bind(path);
            socket.listen(BACKLOG);
            return new Listener(socket, path, Files.getAttribute(path, "unix:ino", LinkOption.NOFOLLOW_LINKS));
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private static void removeIfStale(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new FileAlreadyExistsException(path.toString(), null,
                    "exists and is not a socket; refusing to replace it: choose another socket path or remove the file");
        }
        try (UnixSocket probe = UnixSocket.create()) {
            probe.connect(path);
            PeerCredentials owner = probe.peerCredentials();
            throw new FileAlreadyExistsException(path.toString(), null,
                    "a running process (pid " + owner.pid() + ") listens on this socket; stop it or choose another path");
        } catch (ErrnoException e) {
            if (e.errno() != Errno.ECONNREFUSED) {
                throw e;
            }
        }
        // nobody accepts on it: a leftover from a process that died without unlinking
        Files.deleteIfExists(path);
    }

    /** Waits for the frontend to connect. Blocks a platform thread; {@link #close()} from another thread wakes it. */
    public Connection accept() throws IOException {
        return new Connection(socket.accept(false));
    }

    public Path path() {
        return path;
    }

    @Override
    public void close() throws IOException {
        if (!socket.fd().isOpen()) {
            return;
        }
        try {
            socket.shutdown(); // wakes a thread blocked in accept (EINVAL)
        } catch (ErrnoException e) {
            // not fatal: we close anyway
        }
        socket.close();
        try {
            if (inode.equals(Files.getAttribute(path, "unix:ino", LinkOption.NOFOLLOW_LINKS))) {
                Files.deleteIfExists(path);
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // someone removed it already
        }
    }
}
