package io.virtwire.provisioner.lifecycle;

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

    /** Creates the socket directory: group rwx + others x for the QEMU group, else rwxrwxrwx. */
    public static void prepareDirectory(Path dir) {
        try {
            Files.createDirectories(dir);
            if (!grant(dir, "rwxrwx--x")) {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
            }
        } catch (IOException e) {
            throw new VirtwireException(VirtwireException.Kind.HOST, "cannot prepare the vhost-user socket directory " + dir + ": " + e, e);
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
