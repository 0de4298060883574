package io.virtwire.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.virtwire.linux.Native.C_INT;
import static io.virtwire.linux.Native.C_LONG;
import static io.virtwire.linux.Native.C_POINTER;

/**
 * An AF_UNIX SOCK_STREAM socket with SCM_RIGHTS descriptor passing, which neither Netty nor the JDK's
 * Unix-domain channels offer in the form vhost-user needs (descriptors in the same recvmsg as the header).
 *
 * <p>Calls block the calling thread inside native code: use platform threads, since a virtual thread would pin
 * its carrier for the whole wait. To wake a thread blocked in {@link #receive} or {@link #accept}, call
 * {@link #shutdown()} from another thread, and {@link #close()} only after the blocked call has returned.
 */
public final class UnixSocket implements AutoCloseable {

    /** The kernel's SCM_MAX_FD: the most descriptors one sendmsg may carry. */
    public static final int SCM_MAX_FD = 253;

    /** sizeof(sockaddr_un.sun_path): the path plus its terminating NUL must fit. */
    public static final int SUN_PATH_SIZE = 108;

    // the package-private constants and handles serve UnixDatagramSocket too: the same family, another type
    static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;
    private static final int SO_PEERCRED = 17;
    private static final int MSG_CTRUNC = 0x8;
    static final int MSG_NOSIGNAL = 0x4000;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;
    private static final int SHUT_WR = 1;
    private static final int SHUT_RDWR = 2;

    // struct sockaddr_un { sa_family_t sun_family; char sun_path[108]; }
    private static final int SOCKADDR_UN_SIZE = 2 + SUN_PATH_SIZE;
    // struct msghdr (LP64): name@0, namelen@8, iov@16, iovlen@24, control@32, controllen@40, flags@48
    private static final long MSGHDR_SIZE = 56;
    private static final long MSG_IOV = 16;
    private static final long MSG_IOVLEN = 24;
    private static final long MSG_CONTROL = 32;
    private static final long MSG_CONTROLLEN = 40;
    private static final long MSG_FLAGS = 48;
    // struct iovec { void *iov_base; size_t iov_len; }
    private static final long IOVEC_SIZE = 16;
    // struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; } then data, aligned to size_t
    private static final long CMSGHDR_SIZE = 16;
    // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
    private static final int UCRED_SIZE = 12;

    static final MethodHandle SOCKET = Native.downcall("socket",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT));
    private static final MethodHandle SOCKETPAIR = Native.downcall("socketpair",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, C_POINTER));
    static final MethodHandle BIND = Native.downcall("bind",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT));
    private static final MethodHandle LISTEN = Native.downcall("listen",
            FunctionDescriptor.of(C_INT, C_INT, C_INT));
    private static final MethodHandle ACCEPT4 = Native.downcall("accept4",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_POINTER, C_INT));
    private static final MethodHandle CONNECT = Native.downcall("connect",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT));
    private static final MethodHandle SENDMSG = Native.downcall("sendmsg",
            FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_INT));
    private static final MethodHandle RECVMSG = Native.downcall("recvmsg",
            FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_INT));
    private static final MethodHandle SHUTDOWN = Native.downcall("shutdown",
            FunctionDescriptor.of(C_INT, C_INT, C_INT));
    private static final MethodHandle GETSOCKOPT = Native.downcall("getsockopt",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, C_POINTER, C_POINTER));

    private final Fd fd;

    private UnixSocket(Fd fd) {
        this.fd = fd;
    }

    /** A new unconnected socket (close-on-exec). */
    public static UnixSocket create() throws ErrnoException {
        try {
            int v = (int) SOCKET.invokeExact(Native.scratch().errno, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
            return new UnixSocket(Fd.adopt(Syscall.check(v, "socket", "AF_UNIX, SOCK_STREAM")));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }

    /** Two connected sockets, for tests and in-process peers. */
    public static UnixSocket[] pair() throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(C_INT, 2);
            int r = (int) SOCKETPAIR.invokeExact(Native.scratch().errno, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds);
            Syscall.check(r, "socketpair", "AF_UNIX, SOCK_STREAM");
            return new UnixSocket[] {
                new UnixSocket(Fd.adopt(fds.getAtIndex(C_INT, 0))),
                new UnixSocket(Fd.adopt(fds.getAtIndex(C_INT, 1)))
            };
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }

    /** Wraps a descriptor known to be a connected or listening AF_UNIX stream socket; takes ownership. */
    public static UnixSocket adopt(Fd fd) {
        return new UnixSocket(fd);
    }

    public Fd fd() {
        return fd;
    }

    /**
     * @throws IllegalArgumentException if the path does not fit sun_path (107 bytes plus NUL) or contains NUL
     */
    public void bind(Path path) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = sockaddr(arena, path);
            int r = (int) BIND.invokeExact(Native.scratch().errno, fd.value(), addr, (int) addr.byteSize());
            Syscall.check(r, "bind", path);
        } catch (ErrnoException | IllegalArgumentException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }

    public void listen(int backlog) throws ErrnoException {
        try {
            int r = (int) LISTEN.invokeExact(Native.scratch().errno, fd.value(), backlog);
            Syscall.check(r, "listen", fd);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }

    /** Waits for a connection; the new socket is close-on-exec and, if asked, non-blocking. */
    public UnixSocket accept(boolean nonBlocking) throws ErrnoException {
        int flags = SOCK_CLOEXEC | (nonBlocking ? SOCK_NONBLOCK : 0);
        try {
            int r;
            do {
                r = (int) ACCEPT4.invokeExact(Native.scratch().errno, fd.value(), MemorySegment.NULL, MemorySegment.NULL, flags);
            } while (Syscall.interrupted(r));
            return new UnixSocket(Fd.adopt(Syscall.check(r, "accept4", fd)));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }

    /** @throws IllegalArgumentException if the path does not fit sun_path */
    public void connect(Path path) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = sockaddr(arena, path);
            int r = (int) CONNECT.invokeExact(Native.scratch().errno, fd.value(), addr, (int) addr.byteSize());
            Syscall.check(r, "connect", path);
        } catch (ErrnoException | IllegalArgumentException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }

    /**
     * One sendmsg of {@code data} with {@code fds} attached as SCM_RIGHTS. The descriptors stay owned by the
     * caller (the kernel duplicates them). MSG_NOSIGNAL turns a dead peer into EPIPE instead of SIGPIPE.
     *
     * @return bytes sent, which on a stream socket may be fewer than {@code data.byteSize()}
     */
    public long send(MemorySegment data, int... fds) throws ErrnoException {
        if (fds.length > SCM_MAX_FD) {
            throw new IllegalArgumentException(fds.length + " descriptors in one sendmsg; the kernel accepts at most " + SCM_MAX_FD);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment iov = arena.allocate(IOVEC_SIZE, 8);
            MemorySegment buf = data.isNative() ? data : arena.allocate(Math.max(1, data.byteSize())).copyFrom(data);
            iov.set(C_POINTER, 0, buf);
            iov.set(C_LONG, 8, data.byteSize());
            MemorySegment msg = arena.allocate(MSGHDR_SIZE, 8);
            msg.set(C_POINTER, MSG_IOV, iov);
            msg.set(C_LONG, MSG_IOVLEN, 1L);
            if (fds.length > 0) {
                long dataLen = (long) fds.length * Integer.BYTES;
                MemorySegment control = arena.allocate(Cmsg.space(dataLen), 8);
                control.set(C_LONG, 0, Cmsg.len(dataLen));
                control.set(C_INT, 8, SOL_SOCKET);
                control.set(C_INT, 12, SCM_RIGHTS);
                for (int i = 0; i < fds.length; i++) {
                    control.set(C_INT, CMSGHDR_SIZE + (long) i * Integer.BYTES, fds[i]);
                }
                msg.set(C_POINTER, MSG_CONTROL, control);
                msg.set(C_LONG, MSG_CONTROLLEN, control.byteSize());
            }
            long r;
            do {
                r = (long) SENDMSG.invokeExact(Native.scratch().errno, fd.value(), msg, MSG_NOSIGNAL);
            } while (Syscall.interrupted(r));
            return Syscall.check(r, "sendmsg", fd);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }

    /**
     * One recvmsg into {@code buffer} (a native segment) with room for up to {@code maxFds} descriptors, which
     * arrive close-on-exec. Zero bytes means the peer closed its end.
     *
     * @throws AncillaryDataTruncatedException if more than {@code maxFds} descriptors were attached; those that
     *         arrived are closed
     */
    public Received receive(MemorySegment buffer, int maxFds) throws ErrnoException, AncillaryDataTruncatedException {
        if (!buffer.isNative()) {
            throw new IllegalArgumentException("recvmsg needs a native buffer, got a heap segment");
        }
        if (maxFds < 0) {
            throw new IllegalArgumentException("maxFds " + maxFds + " is negative");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment iov = arena.allocate(IOVEC_SIZE, 8);
            iov.set(C_POINTER, 0, buffer);
            iov.set(C_LONG, 8, buffer.byteSize());
            MemorySegment msg = arena.allocate(MSGHDR_SIZE, 8);
            msg.set(C_POINTER, MSG_IOV, iov);
            msg.set(C_LONG, MSG_IOVLEN, 1L);
            MemorySegment control = MemorySegment.NULL;
            if (maxFds > 0) {
                control = arena.allocate(Cmsg.space((long) maxFds * Integer.BYTES), 8);
                msg.set(C_POINTER, MSG_CONTROL, control);
                msg.set(C_LONG, MSG_CONTROLLEN, control.byteSize());
            }
            long r;
            do {
                r = (long) RECVMSG.invokeExact(Native.scratch().errno, fd.value(), msg, MSG_CMSG_CLOEXEC);
            } while (Syscall.interrupted(r));
            Syscall.check(r, "recvmsg", fd);
            List<Fd> received = maxFds > 0 ? Cmsg.rights(control, msg.get(C_LONG, MSG_CONTROLLEN)) : List.of();
            if ((msg.get(C_INT, MSG_FLAGS) & MSG_CTRUNC) != 0) {
                received.forEach(Fd::close);
                throw new AncillaryDataTruncatedException("recvmsg(" + fd + "): the peer attached more than "
                        + maxFds + " file descriptors (MSG_CTRUNC); closed the " + received.size() + " that arrived");
            }
            return new Received(r, received);
        } catch (ErrnoException | AncillaryDataTruncatedException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }

    /** Ends both directions; wakes a thread blocked in {@link #receive} (returns 0) or {@link #accept}. */
    public void shutdown() throws ErrnoException {
        shutdown(SHUT_RDWR);
    }

    /** Ends our sending direction: the peer reads end-of-stream. */
    public void shutdownOutput() throws ErrnoException {
        shutdown(SHUT_WR);
    }

    private void shutdown(int how) throws ErrnoException {
        int value;
        try {
            value = fd.value();
        } catch (IllegalStateException alreadyClosed) {
            return; // closed by its owner meanwhile: no thread can be blocked on it, nothing to wake
        }
        try {
            int r = (int) SHUTDOWN.invokeExact(Native.scratch().errno, value, how);
            Syscall.check(r, "shutdown", fd);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }

    /** Who connected (or, for the connecting side, who listened): SO_PEERCRED. */
    public PeerCredentials peerCredentials() throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ucred = arena.allocate(UCRED_SIZE, 4);
            MemorySegment len = arena.allocate(C_INT);
            len.set(C_INT, 0, UCRED_SIZE);
            int r = (int) GETSOCKOPT.invokeExact(Native.scratch().errno, fd.value(), SOL_SOCKET, SO_PEERCRED, ucred, len);
            Syscall.check(r, "getsockopt", fd + ", SO_PEERCRED");
            return new PeerCredentials(ucred.get(C_INT, 0), ucred.get(C_INT, 4), ucred.get(C_INT, 8));
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

    @Override
    public String toString() {
        return "UnixSocket(" + fd + ")";
    }

    private static MemorySegment sockaddr(Arena arena, Path path) {
        byte[] bytes = path.toString().getBytes(StandardCharsets.UTF_8);
        if (bytes.length >= SUN_PATH_SIZE) {
            throw new IllegalArgumentException("socket path " + path + " is " + bytes.length
                    + " bytes; an AF_UNIX address holds at most " + (SUN_PATH_SIZE - 1)
                    + " bytes plus NUL: use a shorter path (e.g. under /run)");
        }
        for (byte b : bytes) {
            if (b == 0) {
                throw new IllegalArgumentException("socket path " + path + " contains a NUL byte");
            }
        }
        if (bytes.length == 0) {
            throw new IllegalArgumentException("socket path is empty");
        }
        return sockaddr(arena, bytes);
    }

    /**
     * A struct sockaddr_un holding {@code sunPath} (already checked to fit), NUL-padded to its full size; for an
     * abstract name (a leading NUL) the caller passes the exact length instead of the full size.
     */
    static MemorySegment sockaddr(Arena arena, byte[] sunPath) {
        MemorySegment addr = arena.allocate(SOCKADDR_UN_SIZE, 2);
        addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(sunPath, 0, addr, ValueLayout.JAVA_BYTE, 2, sunPath.length);
        return addr;
    }

    /** What one recvmsg delivered: the byte count (0 = end of stream) and the descriptors, now owned by the caller. */
    public record Received(long bytes, List<Fd> fds) {
        public Received {
            fds = List.copyOf(fds);
        }
    }

    /** The CMSG_* macros of {@code <sys/socket.h>} for LP64. */
    static final class Cmsg {
        private Cmsg() {
        }

        /** CMSG_ALIGN: control messages are padded to sizeof(size_t). */
        static long align(long len) {
            return (len + 7) & ~7L;
        }

        /** CMSG_LEN: the cmsg_len value for {@code dataLen} bytes of data (header + data, unpadded). */
        static long len(long dataLen) {
            return align(CMSGHDR_SIZE) + dataLen;
        }

        /** CMSG_SPACE: the buffer room one control message with {@code dataLen} bytes of data takes. */
        static long space(long dataLen) {
            return align(CMSGHDR_SIZE) + align(dataLen);
        }

        /** All SCM_RIGHTS descriptors in the first {@code controlLen} bytes of {@code control}. */
        static List<Fd> rights(MemorySegment control, long controlLen) {
            List<Fd> out = new ArrayList<>();
            long limit = Math.min(controlLen, control.byteSize());
            long at = 0;
            while (at + CMSGHDR_SIZE <= limit) {
                long len = control.get(C_LONG, at);
                if (len < CMSGHDR_SIZE || at + len > limit) {
                    break;
                }
                if (control.get(C_INT, at + 8) == SOL_SOCKET && control.get(C_INT, at + 12) == SCM_RIGHTS) {
                    long n = (len - CMSGHDR_SIZE) / Integer.BYTES;
                    for (long i = 0; i < n; i++) {
                        out.add(Fd.adopt(control.get(C_INT, at + CMSGHDR_SIZE + i * Integer.BYTES)));
                    }
                }
                at += align(len);
            }
            return out;
        }
    }
}
