package io.virtwire.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static io.virtwire.linux.Native.C_INT;
import static io.virtwire.linux.Native.C_LONG;
import static io.virtwire.linux.Native.C_POINTER;

/**
 * An epoll instance with a preallocated event buffer: {@link #await} and the accessors allocate nothing.
 * One thread waits at a time; registration may happen from any thread.
 */
public final class Epoll implements AutoCloseable {

    public static final int EPOLLIN = 0x001;
    public static final int EPOLLOUT = 0x004;
    public static final int EPOLLERR = 0x008;
    public static final int EPOLLHUP = 0x010;
    public static final int EPOLLRDHUP = 0x2000;
    public static final int EPOLLET = 1 << 31;

    private static final int EPOLL_CLOEXEC = 0x80000;
    private static final int EPOLL_CTL_ADD = 1;
    private static final int EPOLL_CTL_DEL = 2;
    private static final int EPOLL_CTL_MOD = 3;

    // struct epoll_event { u32 events; u64 data; } is packed on x86_64 (12 bytes), naturally aligned elsewhere
    private static final boolean PACKED = "amd64".equals(System.getProperty("os.arch"));
    private static final long EVENT_SIZE = PACKED ? 12 : 16;
    private static final long DATA_OFFSET = PACKED ? 4 : 8;
    private static final ValueLayout.OfLong UNALIGNED_LONG = C_LONG.withByteAlignment(4);

    private static final MethodHandle CREATE = Native.downcall("epoll_create1",
            FunctionDescriptor.of(C_INT, C_INT));
    private static final MethodHandle CTL = Native.downcall("epoll_ctl",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, C_POINTER));
    private static final MethodHandle WAIT = Native.downcall("epoll_wait",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT, C_INT));
    /** epoll_wait without errno capture, for {@link #poll()}: the capture segment is sliced per call, which allocates. */
    private static final MethodHandle WAIT_PLAIN = Native.plainDowncall("epoll_wait",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT, C_INT));

    private final Fd fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment events;
    private final int capacity;

    private Epoll(Fd fd, int capacity) {
        this.fd = fd;
        this.capacity = capacity;
        this.events = arena.allocate(EVENT_SIZE * capacity, 8);
    }

    /** @param capacity the most events one {@link #await} reports */
    public static Epoll create(int capacity) throws ErrnoException {
        if (capacity <= 0) {
            throw new IllegalArgumentException("epoll event capacity " + capacity + " must be > 0");
        }
        try {
            int r = (int) CREATE.invokeExact(Native.scratch().errno, EPOLL_CLOEXEC);
            return new Epoll(Fd.adopt(Syscall.check(r, "epoll_create1", "EPOLL_CLOEXEC")), capacity);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }

    /** Watches {@code target} for {@code events}; {@code data} comes back with each of its events. */
    public void add(Fd target, int events, long data) throws ErrnoException {
        ctl(EPOLL_CTL_ADD, target, events, data, "EPOLL_CTL_ADD");
    }

    public void modify(Fd target, int events, long data) throws ErrnoException {
        ctl(EPOLL_CTL_MOD, target, events, data, "EPOLL_CTL_MOD");
    }

    public void delete(Fd target) throws ErrnoException {
        ctl(EPOLL_CTL_DEL, target, 0, 0, "EPOLL_CTL_DEL");
    }

    private void ctl(int op, Fd target, int events, long data, String opName) throws ErrnoException {
        Native.Scratch s = Native.scratch();
        s.word.set(C_INT, 0, events);
        s.word.set(UNALIGNED_LONG, DATA_OFFSET, data);
        try {
            int r = (int) CTL.invokeExact(s.errno, fd.value(), op, target.value(), s.word);
            Syscall.check(r, "epoll_ctl", opName + ", " + target);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }

    /**
     * Waits up to {@code timeoutMillis} (-1: forever, 0: poll) and returns how many events are ready; read them
     * with {@link #events(int)} and {@link #data(int)}. A signal interrupting the wait returns 0.
     */
    public int await(int timeoutMillis) throws ErrnoException {
        Native.Scratch s = Native.scratch();
        try {
            int r = (int) WAIT.invokeExact(s.errno, fd.value(), events, capacity, timeoutMillis);
            if (r < 0 && s.errno() == Errno.EINTR) {
                return 0;
            }
            return Syscall.check(r, "epoll_wait", fd);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }

    /**
     * Returns at once with how many events are ready (read them like {@link #await}'s), or -1 if epoll_wait failed
     * (the reason is not kept). Allocation-free: for a data path that looks now and then whether something is ready.
     */
    public int poll() {
        try {
            return (int) WAIT_PLAIN.invokeExact(fd.value(), events, capacity, 0);
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }

    /** The event bits of ready entry {@code i} of the last {@link #await}. */
    public int events(int i) {
        return events.get(C_INT, EVENT_SIZE * i);
    }

    /** The data registered for ready entry {@code i} of the last {@link #await}. */
    public long data(int i) {
        return events.get(UNALIGNED_LONG, EVENT_SIZE * i + DATA_OFFSET);
    }

    public int capacity() {
        return capacity;
    }

    public Fd fd() {
        return fd;
    }

    /** Call only after the waiting thread has left {@link #await}. */
    @Override
    public void close() {
        fd.close();
        arena.close();
    }
}
