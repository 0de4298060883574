package io.virtwire.linux;

import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;

import static io.virtwire.linux.Native.C_INT;
import static io.virtwire.linux.Native.C_LONG;
import static io.virtwire.linux.Native.C_POINTER;

/**
 * A non-blocking eventfd: vhost-user's kick and call notifications. {@link #signal} and {@link #drain} allocate
 * nothing, so they can run on the data path.
 */
public final class EventFd implements AutoCloseable {

    private static final int EFD_NONBLOCK = 0x800;
    private static final int EFD_CLOEXEC = 0x80000;

    private static final MethodHandle EVENTFD = Native.downcall("eventfd",
            FunctionDescriptor.of(C_INT, C_INT, C_INT));
    private static final MethodHandle WRITE = Native.downcall("write",
            FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_LONG));
    private static final MethodHandle READ = Native.downcall("read",
            FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_LONG));

    private final Fd fd;

    private EventFd(Fd fd) {
        this.fd = fd;
    }

    public static EventFd create() throws ErrnoException {
        try {
            int r = (int) EVENTFD.invokeExact(Native.scratch().errno, 0, EFD_NONBLOCK | EFD_CLOEXEC);
            return new EventFd(Fd.adopt(Syscall.check(r, "eventfd", "0, EFD_NONBLOCK|EFD_CLOEXEC")));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }

    /**
     * Wraps a received eventfd (a kick or call fd from the frontend) and makes it non-blocking: a hostile
     * frontend could send a blocking one and stall the reading thread.
     */
    public static EventFd adopt(Fd fd) throws ErrnoException {
        Fcntl.setNonBlocking(fd);
        return new EventFd(fd);
    }

    public Fd fd() {
        return fd;
    }

    /** Adds {@code value} to the counter. Returns false if the counter is saturated (EAGAIN): the peer will still wake. */
    public boolean signal(long value) throws ErrnoException {
        Native.Scratch s = Native.scratch();
        s.word.set(C_LONG, 0, value);
        try {
            long r;
            do {
                r = (long) WRITE.invokeExact(s.errno, fd.value(), s.word, 8L);
            } while (Syscall.interrupted(r));
            if (r < 0 && s.errno() == Errno.EAGAIN) {
                return false;
            }
            Syscall.check(r, "write", fd);
            return true;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }

    public boolean signal() throws ErrnoException {
        return signal(1);
    }

    /** Reads and resets the counter; 0 if nothing was signalled since the last drain. */
    public long drain() throws ErrnoException {
        Native.Scratch s = Native.scratch();
        try {
            long r;
            do {
                r = (long) READ.invokeExact(s.errno, fd.value(), s.word, 8L);
            } while (Syscall.interrupted(r));
            if (r < 0 && s.errno() == Errno.EAGAIN) {
                return 0;
            }
            Syscall.check(r, "read", fd);
            return s.word.get(C_LONG, 0);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }

    @Override
    public void close() {
        fd.close();
    }
}
