package io.virtwire.provisioner.cli;

import io.virtwire.linux.ErrnoException;
import io.virtwire.linux.Xattr;
import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.state.AtomicFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.Set;

/**
 * Rewrites a file the way {@code sed -i --follow-symlinks} does: through a symlink (the chain is resolved, the
 * target is replaced, the link stays a link), by writing a temp file next to the target and renaming it over it (a
 * crash leaves the old or the new file), with the target's owner, group, mode (setuid/setgid/sticky included) and
 * POSIX ACL and SELinux context (the {@code security.selinux} label, when the target has one: sed -i copies it too, or
 * the new file would get the directory's default label and a confined libvirtd could no longer read it). As with sed, a user who may not give the file its owner keeps what chown allows (the group, if a member;
 * else their own), and hard links to the old file keep the old content.
 * <p>
 * Every failure names the step, the path and the kernel's errno text ("Permission denied", "Read-only file system");
 * Java's AccessDeniedException and friends carry only a path, which is what a user used to get.
 */
final class InPlaceFile {

    private static final SecureRandom RANDOM = new SecureRandom();

    private InPlaceFile() {
    }

    /** @param file the path as given (a symlink is followed to the file it names) */
    static void rewrite(Path file, byte[] content) {
        Path target;
        try {
            target = file.toRealPath();
        } catch (IOException e) {
            throw failure(file, "cannot resolve " + file, e, "");
        }
        int uid;
        int gid;
        int mode;
        Optional<byte[]> acl;
        Optional<byte[]> label;
        try {
            uid = (Integer) Files.getAttribute(target, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            gid = (Integer) Files.getAttribute(target, "unix:gid", LinkOption.NOFOLLOW_LINKS);
            mode = (Integer) Files.getAttribute(target, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
            acl = Xattr.get(target, Xattr.POSIX_ACL_ACCESS);
            label = Xattr.get(target, Xattr.SELINUX_CONTEXT);
        } catch (ErrnoException e) {
            throw failure(file, "cannot read the ACL and SELinux context of " + target, e);
        } catch (IOException e) {
            throw failure(file, "cannot read the owner and mode of " + target, e, "");
        }
        Path dir = target.getParent();
        Path tmp = dir.resolve("." + target.getFileName() + ".virtwire." + ProcessHandle.current().pid() + "."
                + Long.toHexString(RANDOM.nextLong() & Long.MAX_VALUE));
        try {
            try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            } catch (IOException e) {
                throw failure(file, "cannot write a temporary file in " + dir, e,
                        " (virtwire writes the new XML next to " + target.getFileName() + " and renames it over it, as sed -i does:"
                                + " the directory must be writable; or leave out --in-place and redirect the output)");
            }
            keepOwnership(tmp, uid, gid);
            try {
                // after chown, which clears setuid/setgid
                Files.setAttribute(tmp, "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
                throw failure(file, "cannot give " + tmp + " the mode " + Integer.toOctalString(mode) + " of " + target, e, "");
            }
            if (acl.isPresent()) {
                try {
                    Xattr.set(tmp, Xattr.POSIX_ACL_ACCESS, acl.get()); // sets the group-class bits of the mode too, as on the original
                } catch (ErrnoException e) {
                    throw failure(file, "cannot copy the ACL of " + target + " to " + tmp, e);
                }
            }
            if (label.isPresent()) {
                try {
                    Xattr.set(tmp, Xattr.SELINUX_CONTEXT, label.get());
                } catch (ErrnoException e) {
                    throw failure(file, "cannot give " + tmp + " the SELinux context " + contextText(label.get()) + " of " + target
                            + " (relabelling needs root, or the policy's relabelfrom/relabelto)", e);
                }
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw failure(file, "cannot rename " + tmp + " over " + target, e, " (not on one file system)");
            } catch (IOException e) {
                throw failure(file, "cannot rename " + tmp + " over " + target, e, "");
            }
            AtomicFile.syncDirectory(dir);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // gone with the rename, or never created
            }
        }
    }

    /** The context as ls -Z shows it (without the trailing NUL the kernel keeps). */
    private static String contextText(byte[] label) {
        int n = label.length;
        while (n > 0 && label[n - 1] == 0) {
            n--;
        }
        return new String(label, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** chown as sed does: owner and group; failing that (not root), the group alone; failing that, the caller's. */
    private static void keepOwnership(Path tmp, int uid, int gid) {
        try {
            Files.setAttribute(tmp, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | SecurityException e) {
            // only root may give a file away
        }
        try {
            Files.setAttribute(tmp, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | SecurityException e) {
            // only a member of the group (or root) may
        }
    }

    private static VirtwireException failure(Path file, String what, IOException e, String hint) {
        return new VirtwireException(VirtwireException.Kind.HOST, "--in-place: " + what + ": " + reason(e) + hint + "; " + file
                + " is unchanged", e);
    }

    private static VirtwireException failure(Path file, String what, ErrnoException e) {
        return new VirtwireException(VirtwireException.Kind.HOST, "--in-place: " + what + ": " + e.getMessage() + "; " + file + " is unchanged", e);
    }

    /**
     * The errno text of a failed file operation. Java keeps it in {@link FileSystemException#getReason()}, except for
     * the errnos it maps to an exception class of their own, whose message is the bare path.
     */
    static String reason(IOException e) {
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return switch (e) {
            case AccessDeniedException a -> "Permission denied";
            case NoSuchFileException n -> "No such file or directory";
            case FileAlreadyExistsException x -> "File exists";
            case NotDirectoryException d -> "Not a directory";
            case DirectoryNotEmptyException d -> "Directory not empty";
            default -> e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        };
    }
}
