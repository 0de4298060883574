package io.virtwire.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

import static io.virtwire.linux.Native.C_INT;
import static io.virtwire.linux.Native.C_LONG;
import static io.virtwire.linux.Native.C_POINTER;

/**
 * An AF_UNIX SOCK_DGRAM socket addressed the way {@code $NOTIFY_SOCKET} is: a path ({@code /run/systemd/notify})
 * or an abstract name ({@code @name}, Linux's abstract namespace). The JDK has neither datagram Unix sockets nor
 * abstract names, hence FFM. Both ends of sd_notify use it: {@link SdNotify} sends, a test's stand-in for systemd
 * binds and receives. Not for the data path: every call allocates.
 */
public final class UnixDatagramSocket implements AutoCloseable {

    private static final int SOCK_DGRAM = 2;

    private static final MethodHandle SENDTO = Native.downcall("sendto",
            FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_LONG, C_INT, C_POINTER, C_INT));
    private static final MethodHandle RECV = Native.downcall("recv",
            FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_LONG, C_INT));

    private final Fd fd;
    /** What errors name: the bound address once there is one. */
    private String name = "AF_UNIX, SOCK_DGRAM";

    private UnixDatagramSocket(Fd fd) {
        this.fd = fd;
    }

    @Override
    public void close() {
        fd.close();
    }

    /** A new unbound socket (close-on-exec); {@code nonBlocking} makes {@link #receive} return null when idle. */
    public static UnixDatagramSocket open(boolean nonBlocking) throws ErrnoException {
        int type = SOCK_DGRAM | UnixSocket.SOCK_CLOEXEC | (nonBlocking ? UnixSocket.SOCK_NONBLOCK : 0);
        try {
            int r = (int) UnixSocket.SOCKET.invokeExact(Native.scratch().errno, UnixSocket.AF_UNIX, type, 0);
            return new UnixDatagramSocket(Fd.adopt(Syscall.check(r, "socket", "AF_UNIX, SOCK_DGRAM")));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }

    /**
     * Binds {@code address} ({@code /path} or {@code @name}).
     *
     * @throws IllegalArgumentException as {@link #sunPath} says, before any system call
     */
    public void bind(String address) throws ErrnoException {
        byte[] sunPath = sunPath(address);
        try (Arena arena = Arena.ofConfined()) {
            int r = (int) UnixSocket.BIND.invokeExact(Native.scratch().errno, fd.value(), UnixSocket.sockaddr(arena, sunPath),
                    length(sunPath));
            Syscall.check(r, "bind", address);
            name = address;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }

    /**
     * One datagram of {@code message} to {@code address}. MSG_NOSIGNAL: a peer gone is an error, not SIGPIPE.
     *
     * @throws IllegalArgumentException as {@link #sunPath} says, before any system call
     * @throws ErrnoException           naming {@code address} when nobody is bound there or may not be written to
     */
    public void sendTo(String address, byte[] message) throws ErrnoException {
        byte[] sunPath = sunPath(address);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = UnixSocket.sockaddr(arena, sunPath);
            MemorySegment buf = arena.allocate(Math.max(1, message.length));
            MemorySegment.copy(message, 0, buf, ValueLayout.JAVA_BYTE, 0, message.length);
            long r;
            do {
                r = (long) SENDTO.invokeExact(Native.scratch().errno, fd.value(), buf, (long) message.length,
                        UnixSocket.MSG_NOSIGNAL, addr, length(sunPath));
            } while (Syscall.interrupted(r));
            Syscall.check(r, "sendto", address);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }

    /**
     * The next datagram (at most {@code maxBytes}; a longer one is cut, as recv(2) does), or null when a
     * non-blocking socket has none waiting. A blocking socket waits for one.
     */
    public byte[] receive(int maxBytes) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(1, maxBytes));
            long r;
            do {
                r = (long) RECV.invokeExact(Native.scratch().errno, fd.value(), buf, (long) maxBytes, 0);
            } while (Syscall.interrupted(r));
            if (r < 0 && Native.scratch().errno() == Errno.EAGAIN) {
                return null;
            }
            Syscall.check(r, "recv", name);
            return buf.asSlice(0, r).toArray(ValueLayout.JAVA_BYTE);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }

    /**
     * The bytes of sun_path: a path as is, {@code @name} as a NUL then the name (Linux's abstract namespace).
     *
     * @throws IllegalArgumentException starting with the quoted address, when it is neither an absolute path nor
     *                                  {@code @name}, or too long for a socket address
     */
    static byte[] sunPath(String address) {
        if (address == null || address.length() < 2 || address.charAt(0) != '/' && address.charAt(0) != '@') {
            throw new IllegalArgumentException("'" + address + "' is neither an absolute path nor"
                    + " an abstract socket name starting with @");
        }
        byte[] b = address.getBytes(StandardCharsets.UTF_8);
        if (b[0] == '@') {
            b[0] = 0;
        }
        if (b.length + (b[0] == 0 ? 0 : 1) > UnixSocket.SUN_PATH_SIZE) {
            throw new IllegalArgumentException("'" + address + "' is longer than a socket address"
                    + " (" + (UnixSocket.SUN_PATH_SIZE - 1) + " bytes)");
        }
        return b;
    }

    /** The address length: an abstract name is exactly its bytes (no NUL); a path is counted with its NUL. */
    private static int length(byte[] sunPath) {
        return 2 + sunPath.length + (sunPath[0] == 0 ? 0 : 1);
    }
}
