package io.virtwire.forwarder.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * A socket file's permission bits and group. Whoever added a port may have opened its socket to QEMU's user
 * afterwards (virtwire gives it to QEMU's group, 0660); a restored port's new socket gets the same, or QEMU,
 * reconnecting as another user, would be refused.
 *
 * <p>Trust rule: an access is taken only from ports.json after its checks (a file of the daemon's user in a state
 * directory only that user can write) or from the dead process's own socket file (a socket owned by the daemon's
 * user), and is always {@linkplain #clamped() clamped} to at most 0660: never world access, never execute or
 * set-id bits, whatever the record says.
 *
 * @param mode permission bits (07777)
 * @param gid  owning group
 */
public record SocketAccess(int mode, int gid) {

    /** The most a restored socket gets: owner and group read/write. */
    static final int MAX_MODE = 0660;
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    /** The file's access, or null if there is no such file. */
    public static SocketAccess read(Path file) throws IOException {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        int mode = (Integer) Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        int gid = (Integer) Files.getAttribute(file, "unix:gid", LinkOption.NOFOLLOW_LINKS);
        return new SocketAccess(mode & 07777, gid);
    }

    /**
     * The access of a socket file owned by {@code uid}, or null if there is none there (no file, a file of another
     * kind, or one someone else made: its mode says nothing about what the daemon gave).
     */
    public static SocketAccess readOwned(Path file, int uid) throws IOException {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        int mode = (Integer) Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        int owner = (Integer) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        if ((mode & S_IFMT) != S_IFSOCK || owner != uid) {
            return null;
        }
        return read(file);
    }

    /** At most {@link #MAX_MODE}: world bits, execute bits and set-id/sticky bits are dropped. */
    public SocketAccess clamped() {
        return new SocketAccess(mode & MAX_MODE, gid);
    }

    /** Gives {@code file}, a socket the daemon just bound, this access. */
    public void applyTo(Path file) throws IOException {
        int mode0 = (Integer) Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode0 & S_IFMT) != S_IFSOCK) {
            throw new IOException(file + " is no longer a socket (replaced?); its access is left alone");
        }
        Files.setAttribute(file, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
        // the JDK's no-follow chmod opens the file first, which a socket refuses (ENXIO): plain chmod on the path
        // we just bound and checked above; in a sticky socket directory nobody else can swap it in between
        Files.setAttribute(file, "unix:mode", mode);
    }
}
