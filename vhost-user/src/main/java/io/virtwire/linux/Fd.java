package io.virtwire.linux;

import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A file descriptor with exactly one owner. Closing is idempotent; {@link #take()} moves ownership to a new
 * {@code Fd} and {@link #release()} hands the raw number to someone else (the kernel, via SCM_RIGHTS, or a
 * caller that closes it itself). After either, this object no longer closes anything.
 */
public final class Fd implements AutoCloseable {

    private static final MethodHandle CLOSE =
            Native.downcall("close", FunctionDescriptor.of(Native.C_INT, Native.C_INT));

    private final AtomicInteger fd;

    private Fd(int fd) {
        this.fd = new AtomicInteger(fd);
    }

    /** Takes ownership of a raw descriptor, e.g. one a syscall just returned. */
    public static Fd adopt(int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("file descriptor " + fd + " is negative");
        }
        return new Fd(fd);
    }

    /** @throws IllegalStateException if closed, taken or released */
    public int value() {
        int v = fd.get();
        if (v < 0) {
            throw new IllegalStateException("file descriptor already closed or handed over");
        }
        return v;
    }

    public boolean isOpen() {
        return fd.get() >= 0;
    }

    /** Moves ownership into a new object; this one becomes empty. */
    public Fd take() {
        return new Fd(release());
    }

    /** Gives up ownership and returns the raw number; the caller must close it. */
    public int release() {
        int v = fd.getAndSet(-1);
        if (v < 0) {
            throw new IllegalStateException("file descriptor already closed or handed over");
        }
        return v;
    }

    /**
     * Closes the descriptor once. An error from close(2) is not reported: Linux frees the descriptor even when
     * close fails, so there is nothing to retry, and EINTR must not cause a second close.
     */
    @Override
    public void close() {
        int v = fd.getAndSet(-1);
        if (v >= 0) {
            closeRaw(v);
        }
    }

    static void closeRaw(int v) {
        try {
            int ignored = (int) CLOSE.invokeExact(Native.scratch().errno, v);
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }

    @Override
    public String toString() {
        int v = fd.get();
        return v >= 0 ? "fd " + v : "fd (closed)";
    }
}
