package io.virtwire.forwarder.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * Writing and trusting the forwarder's state files. A file is replaced by writing a temp file of a unique name in
 * the same directory, created with CREATE_NEW and NOFOLLOW_LINKS (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600: a file or
 * symlink planted at that name makes the open fail, it is never followed or truncated), then renamed over the
 * target (rename(2) replaces a symlink at the target, it does not follow it). A file is trusted only if it is a
 * regular file (not a symlink) owned by the daemon's user and writable by nobody else.
 */
public final class SecureFiles {

    /** Temp names are {@code TARGET + TEMP_MARK + random}; {@link StateDir} removes leftovers at start. */
    static final String TEMP_MARK = ".tmp-";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Set<OpenOption> CREATE = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
            LinkOption.NOFOLLOW_LINKS);
    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFDIR = 0040000;
    private static final int S_ISVTX = 01000;

    private SecureFiles() {
    }

    /**
     * Atomically replaces {@code dir/name} with {@code bytes}; after a crash at any point the file holds the old or
     * the new content. With {@code durable} the data and the rename reach the disk before this returns.
     */
    public static void replace(Path dir, String name, byte[] bytes, boolean durable) throws IOException {
        replaceVia(dir, name, tempName(dir, name), bytes, durable);
    }

    /** {@link #replace} through the temp path {@code temp} (tests plant files there). */
    static void replaceVia(Path dir, String name, Path temp, byte[] bytes, boolean durable) throws IOException {
        Path target = dir.resolve(name);
        boolean created = false;
        boolean renamed = false;
        try {
            try (FileChannel ch = FileChannel.open(temp, CREATE,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
                created = true;
                ByteBuffer b = ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                if (durable) {
                    ch.force(true);
                }
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            renamed = true;
        } finally {
            if (created && !renamed) {
                Files.deleteIfExists(temp); // ours (never someone's planted file): unlink, which follows nothing
            }
        }
        if (durable) {
            // the rename itself is durable only once the directory is
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                d.force(true);
            }
        }
    }

    /** A fresh unguessable temp name beside the target; the open fails if anything exists there. */
    private static Path tempName(Path dir, String name) {
        byte[] r = new byte[8];
        RANDOM.nextBytes(r);
        return dir.resolve(name + TEMP_MARK + ProcessHandle.current().pid() + "-" + HexFormat.of().formatHex(r));
    }

    static boolean isTempName(String fileName) {
        return fileName.contains(TEMP_MARK);
    }

    /** Reads a file without following a symlink at its path. */
    public static byte[] readNoFollow(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long size = ch.size();
            if (size > 64L << 20) {
                throw new IOException(file + " is " + size + " bytes, far larger than any state file");
            }
            ByteBuffer b = ByteBuffer.allocate((int) size);
            while (b.hasRemaining() && ch.read(b) >= 0) {
                // until full or EOF
            }
            byte[] out = new byte[b.position()];
            b.flip().get(out);
            return out;
        } catch (IOException e) {
            if (e instanceof NoSuchFileException || e instanceof FileAlreadyExistsException) {
                throw e;
            }
            if (Files.isSymbolicLink(file)) {
                throw new IOException(file + " is a symbolic link; state files are never read through one", e);
            }
            throw e;
        }
    }

    /**
     * Why {@code file} must not be trusted as state, or null if it may: it must be a regular file (no symlink),
     * owned by {@code euid}, and writable by nobody else (no group or world write bit).
     */
    public static String untrustedFile(Path file, int euid) throws IOException {
        int mode = (Integer) Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        int uid = (Integer) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        if ((mode & S_IFMT) != S_IFREG) {
            return file + " is not a regular file (" + ((mode & S_IFMT) == 0120000 ? "a symbolic link" : "type "
                    + Integer.toOctalString(mode & S_IFMT)) + ")";
        }
        if (uid != euid) {
            return file + " is owned by uid " + uid + ", not by the forwarder's user (uid " + euid + ")";
        }
        if ((mode & 022) != 0) {
            return file + " is writable by its group or by everyone (mode " + Integer.toOctalString(mode & 07777) + ")";
        }
        return null;
    }

    /**
     * Why the directory {@code dir} (which must exist) cannot hold state only the daemon's user controls, or null:
     * it must be a real directory owned by {@code euid} and not writable by group or others; every directory above
     * it (after resolving symlinks, and the directories holding those symlinks) must be owned by root or
     * {@code euid} and not writable by others, unless it has the sticky bit (like /tmp: others may add entries but
     * cannot rename or remove ours).
     */
    public static String untrustedDirectory(Path dir, int euid) throws IOException {
        Path abs = dir.toAbsolutePath();
        int dirMode = (Integer) Files.getAttribute(abs, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((dirMode & S_IFMT) != S_IFDIR) {
            return abs + " is not a directory" + ((dirMode & S_IFMT) == 0120000 ? " (it is a symbolic link)" : "");
        }
        int dirUid = (Integer) Files.getAttribute(abs, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        if (dirUid != euid) {
            return abs + " is owned by uid " + dirUid + ", not by the forwarder's user (uid " + euid + ")";
        }
        if ((dirMode & 022) != 0) {
            return abs + " is writable by its group or by everyone (mode " + Integer.toOctalString(dirMode & 07777) + ")";
        }
        return abs.getParent() == null ? null : untrustedAncestry(abs.getParent(), euid);
    }

    /**
     * Why others could rename or replace what is in the existing directory {@code dir}, or null: {@code dir} and
     * every directory above it (each prefix as given, since a symlink in it lives in the directory before it, and
     * each prefix's real path with all the directories above that) must be owned by root or {@code euid} and not
     * writable by group or others unless sticky.
     */
    public static String untrustedAncestry(Path dir, int euid) throws IOException {
        java.util.Set<Path> checked = new java.util.HashSet<>();
        for (Path prefix = dir.toAbsolutePath(); prefix != null; prefix = prefix.getParent()) {
            for (Path p = prefix.toRealPath(); p != null; p = p.getParent()) {
                if (!checked.add(p)) {
                    break; // p and everything above it were checked already
                }
                String why = untrustedAncestor(p, euid);
                if (why != null) {
                    return why;
                }
            }
        }
        return null;
    }

    private static String untrustedAncestor(Path p, int euid) throws IOException {
        int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        int uid = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        if (uid != 0 && uid != euid) {
            return "the directory " + p + " above it is owned by uid " + uid + " (only root or the forwarder's user"
                    + " may own the directories above the state directory: they could rename it)";
        }
        if ((mode & 022) != 0 && (mode & S_ISVTX) == 0) {
            return "the directory " + p + " above it is writable by its group or by everyone without the sticky bit"
                    + " (mode " + Integer.toOctalString(mode & 07777) + "): others could rename the state directory";
        }
        return null;
    }
}
