package io.virtwire.provisioner.forwarder;

import io.virtwire.provisioner.VirtwireException;

import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;

/**
 * QEMU runs as its own user (libvirt-qemu, qemu): a vhost-user socket and its directory must let it in. Where the
 * QEMU user's group exists and we may set it, the group gets access; otherwise everyone does (like /tmp).
 */
public final class QemuSocketAccess {

    /** The QEMU user's group names on Debian/Ubuntu, Fedora/RHEL, and the fallback many distributions share. */
    static final List<String> QEMU_GROUPS = List.of("libvirt-qemu", "qemu", "kvm");

    private QemuSocketAccess() {
    }

    static Optional<GroupPrincipal> qemuGroup(FileSystem fs) {
        for (String g : QEMU_GROUPS) {
            try {
                return Optional.of(fs.getUserPrincipalLookupService().lookupPrincipalByGroupName(g));
            } catch (IOException | UnsupportedOperationException e) {
                // try the next name
            }
        }
        return Optional.empty();
    }

    /** The socket directory with a QEMU group: root:QEMU-group, sticky, group may create, others may only pass. */
    public static final int DIR_MODE_WITH_GROUP = 01771;
    /** Without a QEMU group (or the right to set it): root's, sticky, nobody else may create or remove anything. */
    public static final int DIR_MODE_WITHOUT_GROUP = 01755;

    /**
     * Creates the socket directory, or tightens an existing one. The sticky bit (as on /tmp) lets a QEMU process
     * remove or rename only sockets it owns: with the group writable but no sticky bit, any guest's QEMU could unlink
     * and replace another guest's socket or the forwarder's control socket. It is never world-writable: with no QEMU
     * group QEMU cannot create sockets here, so server-mode sockets (QEMU creates them) need the group, while
     * client-mode ones (the forwarder creates them, {@link #openSocket} opens them) work either way.
     */
    public static void prepareDirectory(Path dir) {
        try {
            Files.createDirectories(dir);
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw new VirtwireException(VirtwireException.Kind.HOST, "the vhost-user socket directory " + dir + " is a symbolic link or not"
                        + " a directory: remove it (virtwire creates it) or set VIRTWIRE_RUN_DIR to a directory root owns");
            }
            if (!grantMode(dir, DIR_MODE_WITH_GROUP)) {
                setMode(dir, DIR_MODE_WITHOUT_GROUP);
            }
        } catch (IOException e) {
            throw new VirtwireException(VirtwireException.Kind.HOST, "cannot prepare the vhost-user socket directory " + dir + ": " + e, e);
        }
    }

    /** chmod with the sticky bit, which PosixFilePermissions cannot express. */
    private static void setMode(Path path, int mode) throws IOException {
        Files.setAttribute(path, "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
    }

    private static boolean grantMode(Path path, int mode) throws IOException {
        Optional<GroupPrincipal> group = qemuGroup(path.getFileSystem());
        if (group.isEmpty()) {
            return false;
        }
        try {
            Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setGroup(group.get());
            setMode(path, mode);
            return true;
        } catch (IOException e) {
            return false; // not allowed to change the group (not root): the caller keeps the directory to its owner
        }
    }

    /**
     * Lets QEMU connect to a socket a backend (the forwarder, as root) created with its umask: rw for the QEMU group,
     * else for everyone. Returns null when done, else why not (the caller reports it; QEMU would fail with EACCES).
     */
    public static String openSocket(Path socket) {
        try {
            if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
                return null; // not created yet (client-mode ports): QEMU creates it itself
            }
            if (!grant(socket, "rw-rw----")) {
                Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
            }
            return null;
        } catch (IOException | UnsupportedOperationException e) {
            return "cannot let QEMU reach " + socket + " (" + e + "): make it group " + QEMU_GROUPS.getFirst()
                    + " (or qemu) with mode 0660, or QEMU fails to connect with 'Permission denied'";
        }
    }

    private static boolean grant(Path path, String mode) throws IOException {
        Optional<GroupPrincipal> group = qemuGroup(path.getFileSystem());
        if (group.isEmpty()) {
            return false;
        }
        try {
            Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setGroup(group.get());
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
            return true;
        } catch (IOException e) {
            return false; // not allowed to change the group (not root): the caller opens it to everyone
        }
    }
}
