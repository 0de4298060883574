package io.virtwire.forwarder.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * A socket file's permission bits and group. Whoever added a port may have opened its socket to QEMU's user
 * afterwards (virtwire gives it to QEMU's group, 0660); a restored port's new socket gets the same, or QEMU,
 * reconnecting as another user, would be refused.
 *
 * @param mode permission bits (07777)
 * @param gid  owning group
 */
public record SocketAccess(int mode, int gid) {

    /** The file's access, or null if there is no such file. */
    public static SocketAccess read(Path file) throws IOException {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        int mode = (Integer) Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        int gid = (Integer) Files.getAttribute(file, "unix:gid", LinkOption.NOFOLLOW_LINKS);
        return new SocketAccess(mode & 07777, gid);
    }

    public void applyTo(Path file) throws IOException {
        Files.setAttribute(file, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
        // the JDK's no-follow chmod opens the file first, which a socket refuses (ENXIO): plain chmod on the
        // path we just bound
        Files.setAttribute(file, "unix:mode", mode);
    }
}
