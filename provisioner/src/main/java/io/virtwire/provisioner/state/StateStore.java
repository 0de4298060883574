package io.virtwire.provisioner.state;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.virtwire.provisioner.VirtwireException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * The state directory: {@code allocations.json} (the record) and {@code lock}. Every writer holds the lock (an
 * exclusive {@link FileChannel#lock} on the lock file, which the kernel drops when a process dies, so a kill -9 never
 * leaves it stuck). Writes go to a fresh temp file (a unique name, created with O_CREAT|O_EXCL|O_NOFOLLOW) that is
 * fsynced and renamed over the record, then the directory is fsynced, so a crash leaves either the old or the new
 * record, never a torn one; temp files a crash left are deleted by the next writer, under the lock.
 * <p>
 * The lock file must be a regular file: a symlink is refused (O_NOFOLLOW), a FIFO or device is refused before it is
 * opened, and it is opened read-write, which on Linux returns at once even for a FIFO (a write-only open of a FIFO
 * blocks until a reader comes: the hang this replaces), then checked again, so nothing put there makes virtwire wait
 * past its lock timeout. Only someone who can write the state directory can put anything there.
 * <p>
 * Read-only commands ({@link #openForReading}) also work where the directory is not writable (a read-only mount, a
 * user without write access): they take a shared lock if the lock file exists and can be opened, else none (a
 * reader needs no lock to see a whole record: writes are atomic renames), and their session refuses to save.
 */
public final class StateStore {

    public static final String RECORD = "allocations.json";
    public static final String LOCK = "lock";
    /** Temp files are {@code allocations.json.tmp.PID.RANDOM}; any left by a crash are deleted by the next writer. */
    public static final String TMP_PREFIX = RECORD + AtomicFile.TMP_INFIX;

    private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    /*
     * POSIX record locks belong to the process, and closing any channel on the file drops them (FileLock's javadoc),
     * so threads of one JVM (tests, the watch loop) first queue on this in-process lock and only then take the file lock.
     */
    private static final java.util.concurrent.ConcurrentHashMap<Path, java.util.concurrent.locks.ReentrantLock> IN_PROCESS =
            new java.util.concurrent.ConcurrentHashMap<>();

    private final Path dir;

    public StateStore(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    public Path recordFile() {
        return dir.resolve(RECORD);
    }

    /**
     * The exclusive, writable session. Waits up to {@code timeout} for the lock; a longer wait means another
     * invocation is stuck, which the error says.
     */
    public Session open(Duration timeout) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new VirtwireException(VirtwireException.Kind.HOST, "cannot create the state directory " + dir + ": " + e
                    + " (set --state-dir or VIRTWIRE_STATE_DIR to a writable directory)", e);
        }
        Session s = lock(timeout, true);
        try {
            removeLeftoverTempFiles();
            s.load();
            return s;
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /**
     * A session for a command that only reads: the writable one where the state directory can be written, else a
     * read-only one ({@link Session#readOnly()} says why) that never waits for or fails on the directory's
     * permissions.
     */
    public Session openForReading(Duration timeout) {
        Optional<String> why = notWritable();
        if (why.isEmpty()) {
            try {
                return open(timeout);
            } catch (VirtwireException e) {
                // the directory looked writable but the lock file is not (another user's, a read-only bind mount of it)
                if (!(e.getCause() instanceof java.nio.file.AccessDeniedException
                        || e.getCause() instanceof FileSystemException f && "Read-only file system".equals(f.getReason()))) {
                    throw e;
                }
                why = Optional.of(e.getMessage());
            }
        }
        return openWithoutWriting(timeout, why.get());
    }

    /**
     * A session for a dry run (Ansible's check mode, {@code vf list --no-reconcile}, {@code attach-interface
     * --print-xml}): it creates, deletes and writes nothing, not even the state directory or the lock file, wherever
     * the directory is writable or not, and its session refuses to save. It takes the shared lock when the lock file
     * exists, so a record a writer is changing is read after the change.
     */
    public Session openDryRun(Duration timeout) {
        Session s = openWithoutWriting(timeout, "a dry run writes nothing");
        s.dryRun = true;
        return s;
    }

    private Session openWithoutWriting(Duration timeout, String why) {
        Session s = new Session(null, null, null, why);
        if (Files.exists(dir.resolve(LOCK), LinkOption.NOFOLLOW_LINKS)) {
            try {
                s = lock(timeout, false);
                s.readOnly = why;
            } catch (VirtwireException e) {
                if (e.kind() != VirtwireException.Kind.HOST) {
                    throw e; // a writer holds it past the timeout: the same answer as for a writable directory
                }
                s = new Session(null, null, null, why + "; read without the lock (" + e.getMessage() + ")");
            }
        }
        try {
            s.load();
            return s;
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Empty when this process may create files in the state directory, else why not. */
    private Optional<String> notWritable() {
        Path existing = dir;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return Optional.of(dir + " does not exist");
        }
        // access(2): honours read-only mounts and, unlike a mode check, root's override of permissions
        if (!Files.isWritable(existing)) {
            return Optional.of((existing.equals(dir) ? "" : dir + " does not exist and ") + existing + " is not writable"
                    + (readOnlyMount(existing) ? " (a read-only file system)" : " by this user"));
        }
        return Optional.empty();
    }

    private static boolean readOnlyMount(Path p) {
        try {
            return Files.getFileStore(p).isReadOnly();
        } catch (IOException e) {
            return false;
        }
    }

    private Session lock(Duration timeout, boolean exclusive) {
        long deadline = System.nanoTime() + timeout.toNanos();
        java.util.concurrent.locks.ReentrantLock local = IN_PROCESS.computeIfAbsent(dir.toAbsolutePath().normalize(),
                k -> new java.util.concurrent.locks.ReentrantLock());
        try {
            if (!local.tryLock(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS)) {
                throw busy(timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VirtwireException(VirtwireException.Kind.HOST, "interrupted while waiting for " + dir.resolve(LOCK), e);
        }
        FileChannel channel;
        try {
            channel = openLockFile(exclusive);
        } catch (RuntimeException e) {
            local.unlock();
            throw e;
        }
        boolean locked = false;
        try {
            while (true) {
                FileLock lock;
                try {
                    lock = channel.tryLock(0L, Long.MAX_VALUE, !exclusive);
                } catch (OverlappingFileLockException e) {
                    lock = null; // another thread of this JVM holds it: wait like any other process
                }
                if (lock != null) {
                    Session s = new Session(channel, lock, local, null);
                    locked = true;
                    return s;
                }
                if (System.nanoTime() > deadline) {
                    throw busy(timeout);
                }
                Thread.sleep(20);
            }
        } catch (IOException e) {
            throw new VirtwireException(VirtwireException.Kind.HOST, "cannot lock " + dir.resolve(LOCK) + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VirtwireException(VirtwireException.Kind.HOST, "interrupted while waiting for " + dir.resolve(LOCK), e);
        } finally {
            if (!locked) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // nothing was locked through it
                }
                local.unlock();
            }
        }
    }

    /**
     * Opens the lock file so that nothing found there can hang us or redirect us: refused unless a regular file (or
     * absent, for the writer, which creates it); never through a symlink (O_NOFOLLOW); read-write for the writer, as
     * O_RDWR never blocks even on a FIFO swapped in after the check (O_WRONLY would, until a reader came); and checked
     * again once open. A reader opens O_RDONLY only where it cannot write the directory, so nobody below root could
     * have swapped the checked file.
     */
    private FileChannel openLockFile(boolean write) {
        Path lock = dir.resolve(LOCK);
        requireRegularLockFile(lock);
        FileChannel ch;
        try {
            ch = write ? FileChannel.open(lock, Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")))
                    // a reader (a dry run may read where it could write) opens read-write when it may, never creating:
                    // O_RDWR does not block on a FIFO swapped in after the check, O_RDONLY would until a writer came
                    : Files.isWritable(lock) ? FileChannel.open(lock, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)
                    : FileChannel.open(lock, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        } catch (FileSystemException e) {
            requireRegularLockFile(lock); // a symlink or FIFO swapped in: say so rather than ELOOP
            throw new VirtwireException(VirtwireException.Kind.HOST, "cannot open the lock file " + lock + ": " + e
                    + " (it must be a regular file in a directory this user can write; set --state-dir or VIRTWIRE_STATE_DIR)", e);
        } catch (IOException e) {
            throw new VirtwireException(VirtwireException.Kind.HOST, "cannot open the lock file " + lock + ": " + e, e);
        }
        try {
            requireRegularLockFile(lock);
            return ch;
        } catch (RuntimeException e) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // refused anyway
            }
            throw e;
        }
    }

    private static void requireRegularLockFile(Path lock) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(lock, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            throw new VirtwireException(VirtwireException.Kind.HOST, "cannot inspect the lock file " + lock + ": " + e, e);
        }
        if (!a.isRegularFile()) {
            String what = a.isSymbolicLink() ? "a symbolic link; virtwire refuses to follow it"
                    : a.isDirectory() ? "a directory; virtwire refuses it"
                    : "not a regular file (a FIFO, socket or device); virtwire refuses to open it (opening a FIFO can wait forever)";
            throw new VirtwireException(VirtwireException.Kind.HOST, "the lock file " + lock + " is " + what + ": remove it (rm " + lock + ") and run the"
                    + " command again; virtwire creates a regular file, and only root should be able to write " + lock.getParent());
        }
    }

    private VirtwireException busy(Duration timeout) {
        return new VirtwireException(VirtwireException.Kind.CONFLICT, "another virtwire invocation has held " + dir.resolve(LOCK)
                + " for more than " + timeout.toSeconds() + " s; retry when it has finished (fuser " + dir.resolve(LOCK) + " shows it)");
    }

    /** Reads the record without the lock; for reporting only. */
    public AllocationRecord peek() {
        return read();
    }

    /** Under the exclusive lock no other writer runs, so every temp file is a crashed writer's. */
    private void removeLeftoverTempFiles() {
        AtomicFile.removeLeftovers(recordFile());
    }

    private AllocationRecord read() {
        Path file = recordFile();
        byte[] bytes;
        try {
            if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                return AllocationRecord.empty();
            }
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                throw invalid(file, "it is not a regular file (a symbolic link, directory, FIFO or device)");
            }
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                bytes = java.nio.channels.Channels.newInputStream(ch).readAllBytes();
            }
        } catch (IOException e) {
            throw new VirtwireException(VirtwireException.Kind.HOST, "the allocation record " + file + " is unreadable: " + e
                    + " (move it away; the next run adopts what libvirt shows)", e);
        }
        try {
            return RecordSchema.parse(bytes);
        } catch (RecordSchema.Invalid e) {
            throw invalid(file, e.getMessage());
        }
    }

    /** Exit 6 (HOST) like every other fault in the host's own state; nothing is changed before this is thrown. */
    private static VirtwireException invalid(Path file, String problem) {
        return new VirtwireException(VirtwireException.Kind.HOST, "the allocation record " + file + " is invalid: " + problem
                + "; nothing was changed. Fix that entry by hand (the fields are in docs/user-guide/lifecycle.md, section \"The record's schema\"), or move it"
                + " away (mv " + file + " " + file + ".bad): the next run then adopts every device libvirt shows, but VFs lose"
                + " their saved pre-attach settings");
    }

    private void write(AllocationRecord record) {
        try {
            AtomicFile.write(recordFile(), JSON.writeValueAsBytes(record), "rw-r--r--");
        } catch (IOException e) {
            throw new VirtwireException(VirtwireException.Kind.HOST, "cannot write the allocation record " + recordFile() + ": " + e, e);
        }
    }

    /** The lock held (exclusive, or shared/none when read-only), with the record as last saved. */
    public final class Session implements AutoCloseable {
        private final FileChannel channel;
        private final FileLock lock;
        private final java.util.concurrent.locks.ReentrantLock local;
        private String readOnly;
        private boolean dryRun;
        private AllocationRecord record;

        private Session(FileChannel channel, FileLock lock, java.util.concurrent.locks.ReentrantLock local, String readOnly) {
            this.channel = channel;
            this.lock = lock;
            this.local = local;
            this.readOnly = readOnly;
        }

        private void load() {
            record = read();
        }

        public AllocationRecord record() {
            return record;
        }

        public Path storeDir() {
            return dir;
        }

        /** Why this session cannot save (the state directory is not writable), or empty for a writable one. */
        public Optional<String> readOnly() {
            return Optional.ofNullable(readOnly);
        }

        /** Whether this is a dry run's session ({@link #openDryRun}): read-only by request, not for lack of permission. */
        public boolean dryRun() {
            return dryRun;
        }

        /**
         * A dry run's stand-in for {@link #save}: later reads of {@link #record()} see {@code updated} (what a real run
         * would have saved, e.g. after reconciliation), and nothing is written.
         */
        public void assume(AllocationRecord updated) {
            if (!dryRun) {
                throw new IllegalStateException("only a dry run's session assumes a record it does not save");
            }
            record = updated;
        }

        public void save(AllocationRecord updated) {
            if (readOnly != null) {
                throw new IllegalStateException("a read-only session cannot save: " + readOnly);
            }
            if (!updated.equals(record)) {
                write(updated);
            }
            record = updated;
        }

        @Override
        public void close() {
            try {
                if (lock != null) {
                    lock.release();
                }
                if (channel != null) {
                    channel.close();
                }
            } catch (IOException ignored) {
                // closing the channel drops the lock anyway
            } finally {
                if (local != null) {
                    local.unlock();
                }
            }
        }
    }
}
