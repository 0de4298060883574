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
 * systemd's readiness protocol (sd_notify(3)): one datagram such as {@code READY=1} to the AF_UNIX socket named by
 * {@code $NOTIFY_SOCKET}, a path ({@code /run/systemd/notify}) or an abstract name ({@code @...}). The JDK has
 * no datagram Unix sockets and no abstract names, hence FFM. A fresh socket per message: messages are rare
 * (ready, stopping, a watchdog ping every few seconds) and nothing stays open.
 */
public final class SdNotify {

    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int SUN_PATH_SIZE = 108;

    private static final MethodHandle SOCKET = Native.downcall("socket",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT));
    private static final MethodHandle SENDTO = Native.downcall("sendto",
            FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_LONG, C_INT, C_POINTER, C_INT));

    private SdNotify() {
    }

    /**
     * Sends {@code state} (lines of {@code KEY=VALUE}) to {@code notifySocket}.
     *
     * @throws IllegalArgumentException when {@code notifySocket} is neither an absolute path nor {@code @name}, or
     *                                  is too long for a socket address
     * @throws ErrnoException           when the socket cannot be reached (systemd gone, no permission)
     */
    public static void send(String notifySocket, String state) throws ErrnoException {
        byte[] name = address(notifySocket);
        byte[] message = state.getBytes(StandardCharsets.UTF_8);
        try (Arena arena = Arena.ofConfined()) {
            // struct sockaddr_un { sa_family_t sun_family; char sun_path[108]; }
            MemorySegment addr = arena.allocate(2 + SUN_PATH_SIZE);
            addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
            MemorySegment.copy(name, 0, addr, ValueLayout.JAVA_BYTE, 2, name.length);
            // an abstract name is exactly its bytes (no NUL); a path is counted with its terminating NUL
            int addrLen = 2 + name.length + (name[0] == 0 ? 0 : 1);
            MemorySegment buf = arena.allocate(Math.max(1, message.length));
            MemorySegment.copy(message, 0, buf, ValueLayout.JAVA_BYTE, 0, message.length);
            Native.Scratch s = Native.scratch();
            int fd = Syscall.check((int) SOCKET.invokeExact(s.errno, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0),
                    "socket", "AF_UNIX, SOCK_DGRAM");
            try (Fd owned = Fd.adopt(fd)) {
                long r;
                do {
                    r = (long) SENDTO.invokeExact(s.errno, owned.value(), buf, (long) message.length, MSG_NOSIGNAL,
                            addr, addrLen);
                } while (Syscall.interrupted(r));
                Syscall.check(r, "sendto", notifySocket);
            }
        } catch (ErrnoException | IllegalArgumentException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }

    /** The bytes of sun_path: a path as is, {@code @name} as a NUL then the name (Linux's abstract namespace). */
    static byte[] address(String notifySocket) {
        if (notifySocket == null || notifySocket.length() < 2
                || notifySocket.charAt(0) != '/' && notifySocket.charAt(0) != '@') {
            throw new IllegalArgumentException("NOTIFY_SOCKET '" + notifySocket + "' is neither an absolute path nor"
                    + " an abstract socket name starting with @");
        }
        byte[] b = notifySocket.getBytes(StandardCharsets.UTF_8);
        if (b[0] == '@') {
            b[0] = 0;
        }
        if (b.length + (b[0] == 0 ? 0 : 1) > SUN_PATH_SIZE) {
            throw new IllegalArgumentException("NOTIFY_SOCKET '" + notifySocket + "' is longer than a socket address"
                    + " (" + (SUN_PATH_SIZE - 1) + " bytes)");
        }
        return b;
    }
}
