package io.virtwire.provisioner.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Set;

/**
 * Replaces a file atomically and safely in a directory others might reach: the temp file gets a fresh unique name
 * ({@code NAME.tmp.PID.RANDOM}) and is created with O_CREAT|O_EXCL|O_NOFOLLOW, so a file or symlink planted under a
 * predictable name is never written through; it is fsynced, renamed over the target, and the directory fsynced, so
 * a crash leaves the old or the new content, never a torn file.
 */
public final class AtomicFile {

    static final String TMP_INFIX = ".tmp.";
    private static final SecureRandom RANDOM = new SecureRandom();

    private AtomicFile() {
    }

    /** @param mode the new file's permissions, e.g. "rw-r--r--" */
    public static void write(Path target, byte[] bytes, String mode) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = dir.resolve(target.getFileName() + TMP_INFIX + ProcessHandle.current().pid() + "."
                + Long.toHexString(RANDOM.nextLong() & Long.MAX_VALUE));
        try {
            try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode)))) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            // the umask may have narrowed the creation mode
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(mode));
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the directory " + dir + " does not support atomic rename", e);
            }
            syncDirectory(dir);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // removeLeftovers takes it later
            }
        }
    }

    /** Makes a rename in {@code dir} durable; some file systems refuse fsync on a directory, and the rename stays atomic. */
    public static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // nothing more to make durable than the file system allows
        }
    }

    /**
     * Deletes the temp files a killed writer of {@code target} left. Only call it where no other writer of the file
     * can be running (under its lock, or as its only writer). A symlink among them is unlinked, never followed.
     */
    public static void removeLeftovers(Path target) {
        Path dir = target.toAbsolutePath().getParent();
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(dir, target.getFileName() + TMP_INFIX + "*")) {
            for (Path p : leftovers) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // harmless: never read, and the next run tries again
                }
            }
        } catch (IOException ignored) {
            // listing failed: the leftovers stay until a later run
        }
    }
}
