package io.virtwire.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static io.virtwire.linux.Native.C_INT;
import static io.virtwire.linux.Native.C_LONG;
import static io.virtwire.linux.Native.C_POINTER;

/**
 * The receiving end of sd_notify for tests: a datagram socket bound where {@code $NOTIFY_SOCKET} points (a path or
 * {@code @abstract}), as systemd's own. Messages are read without blocking, polled until a deadline.
 */
public final class NotifySocket implements AutoCloseable {

    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_NONBLOCK = 0x800;
    private static final int SOCK_CLOEXEC = 0x80000;

    private static final MethodHandle SOCKET = Native.downcall("socket",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT));
    private static final MethodHandle BIND = Native.downcall("bind",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT));
    private static final MethodHandle RECV = Native.downcall("recv",
            FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_LONG, C_INT));

    private final Fd fd;
    private final String address;

    private NotifySocket(Fd fd, String address) {
        this.fd = fd;
        this.address = address;
    }

    /** Binds {@code address}: {@code /path} or {@code @name}, as {@code $NOTIFY_SOCKET} would say. */
    public static NotifySocket bind(String address) throws ErrnoException {
        byte[] name = SdNotify.address(address);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = arena.allocate(110);
            addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
            MemorySegment.copy(name, 0, addr, ValueLayout.JAVA_BYTE, 2, name.length);
            int len = 2 + name.length + (name[0] == 0 ? 0 : 1);
            Native.Scratch s = Native.scratch();
            int raw = Syscall.check((int) SOCKET.invokeExact(s.errno, AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    0), "socket", "AF_UNIX, SOCK_DGRAM");
            Fd fd = Fd.adopt(raw);
            try {
                Syscall.check((int) BIND.invokeExact(s.errno, raw, addr, len), "bind", address);
            } catch (ErrnoException e) {
                fd.close();
                throw e;
            }
            return new NotifySocket(fd, address);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }

    public String address() {
        return address;
    }

    /** The next message, or null if none arrives within {@code timeout}. */
    public String receive(Duration timeout) throws ErrnoException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(4096);
            while (true) {
                Native.Scratch s = Native.scratch();
                long r = (long) RECV.invokeExact(s.errno, fd.value(), buf, 4096L, 0);
                if (r >= 0) {
                    byte[] b = buf.asSlice(0, r).toArray(ValueLayout.JAVA_BYTE);
                    return new String(b, StandardCharsets.UTF_8);
                }
                if (s.errno() != Errno.EAGAIN && s.errno() != Errno.EINTR) {
                    Syscall.check(r, "recv", address);
                }
                if (System.nanoTime() > deadline) {
                    return null;
                }
                Thread.sleep(5);
            }
        } catch (ErrnoException | InterruptedException e) {
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
