package io.virtwire.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static io.virtwire.linux.Native.C_INT;
import static io.virtwire.linux.Native.C_LONG;
import static io.virtwire.linux.Native.C_POINTER;

/**
 * An exclusive flock(2) on a lock file, held until {@link #close()}. The file is opened with O_NOFOLLOW (a symlink
 * planted at its path is refused, never followed) and O_NONBLOCK (a FIFO planted there cannot hang the open), and
 * must be a regular file. flock locks belong to the open file description, so a second open in the same process
 * conflicts too (unlike fcntl record locks).
 */
public final class LockFile implements AutoCloseable {

    private static final int O_RDWR = 2;
    private static final int O_CREAT = 0x40;
    private static final int O_NONBLOCK = 0x800;
    private static final int O_NOFOLLOW = 0x20000;
    private static final int O_CLOEXEC = 0x80000;
    private static final int LOCK_EX = 2;
    private static final int LOCK_NB = 4;
    private static final int ELOOP = 40;

    /** open(2) is variadic: the mode is passed as a variadic argument. */
    private static final MethodHandle OPEN = Native.downcall("open",
            FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle FLOCK = Native.downcall("flock", FunctionDescriptor.of(C_INT, C_INT, C_INT));
    private static final MethodHandle FTRUNCATE = Native.downcall("ftruncate",
            FunctionDescriptor.of(C_INT, C_INT, C_LONG));
    private static final MethodHandle PWRITE = Native.downcall("pwrite",
            FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_LONG, C_LONG));

    /** The lock is held by another open file description (another process, or another holder in this one). */
    public static final class HeldElsewhereException extends IOException {
        HeldElsewhereException(Path file) {
            super(file + " is locked by another holder");
        }
    }

    private final Path path;
    private final Fd fd;

    private LockFile(Path path, Fd fd) {
        this.path = path;
        this.fd = fd;
    }

    /**
     * Opens (creating it with mode 0600 if needed) and locks {@code file} without waiting.
     *
     * @throws HeldElsewhereException if someone else holds the lock
     * @throws IOException            naming the file and the problem if it is a symlink or not a regular file
     */
    public static LockFile tryLock(Path file) throws IOException {
        Fd fd;
        try (Arena arena = Arena.ofConfined()) {
            int r = (int) OPEN.invokeExact(Native.scratch().errno, arena.allocateFrom(file.toString()),
                    O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
            if (r < 0 && Native.scratch().errno() == ELOOP) {
                throw new IOException("lock file " + file + " is a symbolic link; refusing to follow it (remove it)");
            }
            fd = Fd.adopt(Syscall.check(r, "open", file));
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
        try {
            if (!FileStat.of(fd).isRegularFile()) {
                throw new IOException("lock file " + file + " is not a regular file (mode "
                        + Integer.toOctalString(FileStat.of(fd).mode()) + "); remove it");
            }
            int r = (int) FLOCK.invokeExact(Native.scratch().errno, fd.value(), LOCK_EX | LOCK_NB);
            if (r < 0 && Native.scratch().errno() == Errno.EAGAIN) {
                throw new HeldElsewhereException(file);
            }
            Syscall.check(r, "flock", file);
            return new LockFile(file, fd);
        } catch (IOException e) {
            fd.close();
            throw e;
        } catch (Throwable t) {
            fd.close();
            throw Native.linkageBug(t);
        }
    }

    public Path path() {
        return path;
    }

    /** Replaces the file's content (who holds the lock, for the message a refused second holder prints). */
    public void write(String content) throws ErrnoException {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        try (Arena arena = Arena.ofConfined()) {
            int t = (int) FTRUNCATE.invokeExact(Native.scratch().errno, fd.value(), 0L);
            Syscall.check(t, "ftruncate", path);
            MemorySegment buf = arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_BYTE, bytes);
            long done = 0;
            while (done < bytes.length) {
                long w = (long) PWRITE.invokeExact(Native.scratch().errno, fd.value(), buf.asSlice(done),
                        bytes.length - done, done);
                if (Syscall.interrupted(w)) {
                    continue;
                }
                done += Syscall.check(w, "pwrite", path);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }

    /** Releases the lock (closing the descriptor releases it). The file stays: unlinking it would race a new holder. */
    @Override
    public void close() {
        fd.close();
    }
}
