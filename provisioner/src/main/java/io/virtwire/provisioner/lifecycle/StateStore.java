package io.virtwire.provisioner.lifecycle;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.virtwire.provisioner.VirtwireException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * The state directory: {@code allocations.json} (the record) and {@code lock}. Every reader and writer holds the
 * lock (an exclusive {@link FileChannel#lock} on the lock file, which the kernel drops when a process dies, so a
 * kill -9 never leaves it stuck). Writes go to a temp file that is fsynced and renamed over the record, then the
 * directory is fsynced, so a crash leaves either the old or the new record, never a torn one.
 */
public final class StateStore {

    public static final String RECORD = "allocations.json";
    public static final String LOCK = "lock";

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

    /** Waits up to {@code timeout} for the lock; a longer wait means another invocation is stuck, which the error says. */
    public Session open(Duration timeout) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new VirtwireException(VirtwireException.Kind.HOST, "cannot create the state directory " + dir + ": " + e
                    + " (set --state-dir or VIRTWIRE_STATE_DIR to a writable directory)", e);
        }
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
            channel = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            local.unlock();
            throw new VirtwireException(VirtwireException.Kind.HOST, "cannot open the lock file " + dir.resolve(LOCK) + ": " + e, e);
        }
        boolean locked = false;
        try {
            while (true) {
                FileLock lock;
                try {
                    lock = channel.tryLock();
                } catch (OverlappingFileLockException e) {
                    lock = null; // another thread of this JVM holds it: wait like any other process
                }
                if (lock != null) {
                    Session s = new Session(channel, lock, local);
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

    private VirtwireException busy(Duration timeout) {
        return new VirtwireException(VirtwireException.Kind.CONFLICT, "another virtwire invocation has held " + dir.resolve(LOCK)
                + " for more than " + timeout.toSeconds() + " s; retry when it has finished (fuser " + dir.resolve(LOCK) + " shows it)");
    }

    /** Reads the record without the lock; for reporting only. */
    public AllocationRecord peek() {
        return read();
    }

    private AllocationRecord read() {
        Path file = recordFile();
        if (!Files.exists(file)) {
            return AllocationRecord.empty();
        }
        try {
            AllocationRecord r = JSON.readValue(file.toFile(), AllocationRecord.class);
            if (r.version() != AllocationRecord.VERSION) {
                throw new VirtwireException(VirtwireException.Kind.HOST, file + " has record version " + r.version() + ", this virtwire reads "
                        + AllocationRecord.VERSION);
            }
            return r;
        } catch (IOException e) {
            throw new VirtwireException(VirtwireException.Kind.HOST, "the allocation record " + file + " is unreadable: " + e.getMessage()
                    + " (move it away; the next run adopts what libvirt shows)", e);
        }
    }

    private void write(AllocationRecord record) {
        Path tmp = dir.resolve(RECORD + ".tmp." + ProcessHandle.current().pid());
        try {
            byte[] bytes = JSON.writeValueAsBytes(record);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, recordFile(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the state directory " + dir + " does not support atomic rename", e);
            }
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            } catch (IOException ignored) {
                // some filesystems refuse fsync on a directory; the rename itself is still atomic
            }
        } catch (IOException e) {
            throw new VirtwireException(VirtwireException.Kind.HOST, "cannot write the allocation record " + recordFile() + ": " + e, e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // a leftover temp file is harmless: the next write truncates it
            }
        }
    }

    /** The lock held, with the record as last saved. */
    public final class Session implements AutoCloseable {
        private final FileChannel channel;
        private final FileLock lock;
        private final java.util.concurrent.locks.ReentrantLock local;
        private AllocationRecord record;

        private Session(FileChannel channel, FileLock lock, java.util.concurrent.locks.ReentrantLock local) {
            this.channel = channel;
            this.lock = lock;
            this.local = local;
            this.record = read();
        }

        public AllocationRecord record() {
            return record;
        }

        public void save(AllocationRecord updated) {
            if (!updated.equals(record)) {
                write(updated);
            }
            record = updated;
        }

        @Override
        public void close() {
            try {
                lock.release();
                channel.close();
            } catch (IOException ignored) {
                // closing the channel drops the lock anyway
            } finally {
                local.unlock();
            }
        }
    }
}
