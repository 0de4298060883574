package io.virtwire.forwarder.control;

import io.virtwire.forwarder.engine.ForwarderException;
import io.virtwire.forwarder.config.ForwarderConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a vhost-user socket named over the control API may be: below the configured socket directory
 * ({@code socketDir}, default the control socket's own directory) or one of {@code extraSocketDirs}, written in
 * normal form (no {@code ..}, {@code .}, {@code //} or trailing {@code /}), without control characters, with no
 * symbolic link (and nothing but directories of root or the forwarder's user) between that directory and the
 * socket, and never the control socket itself. A control-group member could otherwise have the root daemon create or replace a socket anywhere
 * ({@code /etc/x.sock}), follow a link out of the directory, or connect a port to the control socket.
 *
 * <p>The config file's own ports are not confined: root wrote that file. The check runs when the port is added;
 * a directory below {@code socketDir} that others may write could still be swapped afterwards, which is why the
 * socket directory itself must not be writable by those it does not trust (or be sticky).
 */
public final class SocketPathPolicy {

    private final List<Path> roots;
    private final Path control;
    private final int ownUid;

    public SocketPathPolicy(List<Path> roots, Path control) {
        this.roots = List.copyOf(roots);
        this.control = control;
        int uid;
        try {
            uid = AccessPolicy.ownUid();
        } catch (IOException e) {
            uid = 0; // no /proc: only root's directories pass
        }
        this.ownUid = uid;
    }

    public static SocketPathPolicy of(ForwarderConfig c) {
        Path control = Path.of(c.controlOrDefault()).toAbsolutePath().normalize();
        List<Path> roots = new ArrayList<>();
        roots.add(c.socketDir() != null ? Path.of(c.socketDir()).normalize() : control.getParent());
        for (String d : c.extraSocketDirsOrEmpty()) {
            roots.add(Path.of(d).normalize());
        }
        return new SocketPathPolicy(roots, control);
    }

    public List<Path> roots() {
        return roots;
    }

    /** Refuses ({@code INVALID_ARGUMENT}, naming the rule and what is allowed) a socket path a client may not use. */
    public void check(String socket) throws ForwarderException {
        for (int i = 0; i < socket.length(); i++) {
            char ch = socket.charAt(i);
            if (ch < 0x20 || ch == 0x7f) {
                throw refused(socket, "contains a control character (" + String.format("0x%02x", (int) ch)
                        + " at index " + i + ")");
            }
        }
        if (!socket.startsWith("/")) {
            throw refused(socket, "is not an absolute path");
        }
        for (String segment : socket.substring(1).split("/", -1)) {
            if (segment.equals("..") || segment.equals(".") || segment.isEmpty()) {
                throw refused(socket, "is not in normal form (a '" + (segment.isEmpty() ? "//' or trailing '/"
                        : segment) + "' in it); write the plain path, e.g. " + roots.getFirst().resolve("vm1.sock"));
            }
        }
        Path p = Path.of(socket);
        Path root = roots.stream().filter(r -> p.startsWith(r) && !p.equals(r)).findFirst().orElse(null);
        if (root == null) {
            throw refused(socket, "is outside the socket directories " + roots + " (config socketDir,"
                    + " extraSocketDirs); use a path like " + roots.getFirst().resolve("vm1.sock"));
        }
        if (p.equals(control)) {
            throw refused(socket, "is the forwarder's control socket");
        }
        Path at = root;
        for (Path name : root.relativize(p)) {
            at = at.resolve(name);
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(at, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                return; // nothing there yet (the bind creates the socket; a missing directory fails there)
            } catch (IOException e) {
                throw refused(socket, "cannot be checked: " + at + ": " + e.getMessage());
            }
            if (a.isSymbolicLink()) {
                throw refused(socket, "goes through a symbolic link, " + at + "; links below " + root
                        + " are not followed");
            }
            if (!at.equals(p) && !a.isDirectory()) {
                throw refused(socket, "goes through " + at + ", which is not a directory");
            }
            if (!at.equals(p)) {
                // in a sticky socket directory only a directory's owner may rename it: one of root's cannot be
                // swapped for a link between this check and the bind
                int uid = uid(at);
                if (uid != 0 && uid != ownUid) {
                    throw refused(socket, "goes through " + at + ", which belongs to uid " + uid + "; below " + root
                            + " sockets may only be in directories of root (or of the forwarder's user)");
                }
            }
            if (at.equals(p) && sameFile(at, control)) {
                throw refused(socket, "is (a link to) the forwarder's control socket");
            }
        }
    }

    private static int uid(Path dir) throws ForwarderException {
        try {
            return (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new ForwarderException("INVALID_ARGUMENT", "\"port.socket\": cannot check " + dir + ": " + e.getMessage());
        }
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.exists(b, LinkOption.NOFOLLOW_LINKS) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    private static ForwarderException refused(String socket, String why) {
        return new ForwarderException("INVALID_ARGUMENT", "\"port.socket\" '" + printable(socket) + "' " + why);
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            b.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        }
        return b.toString();
    }
}
