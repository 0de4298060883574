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
 * TAP devices through /dev/net/tun (linux/if_tun.h) and frame-sized read/write on their descriptor. The data-path
 * calls take a segment plus an offset and pass the raw address, so moving a frame allocates nothing; the range is
 * checked against the segment first.
 */
public final class Tun {

    /** _IOW('T', 202, int) */
    private static final long TUNSETIFF = 0x400454caL;
    /** _IOW('T', 208, unsigned int) */
    private static final long TUNSETOFFLOAD = 0x400454d0L;
    /** _IOW('T', 216, int) */
    private static final long TUNSETVNETHDRSZ = 0x400454d8L;
    /** TUNSETOFFLOAD bits: the kernel may hand us frames with a partial checksum / TCP GSO (IPv4, IPv6, ECN). */
    public static final int TUN_F_CSUM = 0x01;
    public static final int TUN_F_TSO4 = 0x02;
    public static final int TUN_F_TSO6 = 0x04;
    public static final int TUN_F_TSO_ECN = 0x08;
    private static final short IFF_TAP = 0x0002;
    private static final short IFF_NO_PI = 0x1000;
    private static final short IFF_VNET_HDR = 0x4000;
    private static final int O_RDWR = 2;
    private static final int O_NONBLOCK = 0x800;
    private static final int O_CLOEXEC = 0x80000;
    /** struct ifreq: char ifr_name[IFNAMSIZ=16], then a union of 24 bytes (ifr_flags is a short at 16). */
    private static final int IFREQ_SIZE = 40;
    public static final int IFNAMSIZ = 16;

    private static final MethodHandle OPEN = Native.downcall("open",
            FunctionDescriptor.of(C_INT, C_POINTER, C_INT));
    private static final MethodHandle IOCTL = Native.downcall("ioctl",
            FunctionDescriptor.of(C_INT, C_INT, C_LONG, C_POINTER));
    /** read/write with the buffer as a raw address (a long): no segment is created per frame. */
    private static final MethodHandle READ = Native.downcall("read",
            FunctionDescriptor.of(C_LONG, C_INT, C_LONG, C_LONG));
    private static final MethodHandle WRITE = Native.downcall("write",
            FunctionDescriptor.of(C_LONG, C_INT, C_LONG, C_LONG));
    private static final MethodHandle IF_NAMETOINDEX = Native.downcall("if_nametoindex",
            FunctionDescriptor.of(C_INT, C_POINTER));

    private Tun() {
    }

    /**
     * Opens (creating it if needed) the TAP interface {@code name}, non-blocking, frames without packet
     * information; with {@code vnetHeader} each frame is preceded by a struct virtio_net_hdr.
     */
    public static Fd openTap(String name, boolean vnetHeader) throws ErrnoException {
        checkName(name);
        try (Arena arena = Arena.ofConfined()) {
            int r = (int) OPEN.invokeExact(Native.scratch().errno, arena.allocateFrom("/dev/net/tun"),
                    O_RDWR | O_NONBLOCK | O_CLOEXEC);
            Fd fd = Fd.adopt(Syscall.check(r, "open", "/dev/net/tun"));
            try {
                MemorySegment ifr = arena.allocate(IFREQ_SIZE, 8);
                byte[] bytes = name.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                MemorySegment.copy(bytes, 0, ifr, ValueLayout.JAVA_BYTE, 0, bytes.length);
                short flags = (short) (IFF_TAP | IFF_NO_PI | (vnetHeader ? IFF_VNET_HDR : 0));
                ifr.set(ValueLayout.JAVA_SHORT, 16, flags);
                int s = (int) IOCTL.invokeExact(Native.scratch().errno, fd.value(), TUNSETIFF, ifr);
                Syscall.check(s, "ioctl(TUNSETIFF)", name);
                return fd;
            } catch (Throwable t) {
                fd.close();
                throw t;
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }

    /**
     * Turns on offloads for a TAP opened with a virtio-net header: the header is {@code headerSize} bytes (12:
     * the v1 layout with num_buffers, which the kernel skips) and the kernel may hand us frames with the
     * {@code TUN_F_*} offloads in {@code offloads} (a partial checksum, TCP GSO frames up to 64 KiB). Frames we
     * write may always carry such headers.
     */
    public static void enableOffloads(Fd fd, int headerSize, int offloads) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(ValueLayout.JAVA_INT);
            size.set(ValueLayout.JAVA_INT, 0, headerSize);
            int r = (int) IOCTL.invokeExact(Native.scratch().errno, fd.value(), TUNSETVNETHDRSZ, size);
            Syscall.check(r, "ioctl(TUNSETVNETHDRSZ)", headerSize);
            // TUNSETOFFLOAD takes the flags as the argument itself, not a pointer to them
            int o = (int) IOCTL.invokeExact(Native.scratch().errno, fd.value(), TUNSETOFFLOAD,
                    MemorySegment.ofAddress(offloads & 0xFFFF_FFFFL));
            Syscall.check(o, "ioctl(TUNSETOFFLOAD)", offloads);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }

    private static void checkName(String name) {
        if (name == null || name.isEmpty() || name.length() >= IFNAMSIZ || !name.chars().allMatch(c -> c > ' ' && c < 127 && c != '/')) {
            throw new IllegalArgumentException("interface name '" + name + "' must be 1.." + (IFNAMSIZ - 1)
                    + " printable ASCII characters without '/' or spaces");
        }
    }

    /** The interface's index, or 0 if there is no interface of that name. */
    public static int ifNameToIndex(String name) {
        checkName(name);
        try (Arena arena = Arena.ofConfined()) {
            return (int) IF_NAMETOINDEX.invokeExact(Native.scratch().errno, arena.allocateFrom(name));
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }

    private static void checkRange(MemorySegment buffer, long offset, long length) {
        if (!buffer.isNative()) {
            throw new IllegalArgumentException("frame buffers must be off-heap segments (the kernel gets their address)");
        }
        java.util.Objects.checkFromIndexSize(offset, length, buffer.byteSize());
    }

    /** Reads one frame into {@code buffer[offset, offset+max)}; returns its length, or -1 if none is queued. */
    public static long read(Fd fd, MemorySegment buffer, long offset, long max) throws ErrnoException {
        checkRange(buffer, offset, max);
        Native.Scratch s = Native.scratch();
        try {
            long r;
            do {
                r = (long) READ.invokeExact(s.errno, fd.value(), buffer.address() + offset, max);
            } while (Syscall.interrupted(r));
            if (r < 0 && s.errno() == Errno.EAGAIN) {
                return -1;
            }
            return Syscall.check(r, "read", fd);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }

    /** Writes one frame from {@code buffer[offset, offset+length)}; returns false if the device queue is full. */
    public static boolean write(Fd fd, MemorySegment buffer, long offset, long length) throws ErrnoException {
        checkRange(buffer, offset, length);
        Native.Scratch s = Native.scratch();
        try {
            long r;
            do {
                r = (long) WRITE.invokeExact(s.errno, fd.value(), buffer.address() + offset, length);
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
}
