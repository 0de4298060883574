package io.virtwire.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteOrder;

import static io.virtwire.linux.Native.C_INT;
import static io.virtwire.linux.Native.C_LONG;
import static io.virtwire.linux.Native.C_POINTER;

/**
 * An AF_PACKET socket bound to one interface (linux/if_packet.h): a TPACKET_V3 receive ring mapped into our
 * memory, and batched transmission with sendmmsg(2) over preallocated mmsghdr/iovec arrays. The ring's layouts
 * are in {@link Tpacket3}; walking it needs no system call.
 */
public final class PacketSocket implements AutoCloseable {

    private static final int AF_PACKET = 17;
    private static final int SOCK_RAW = 3;
    private static final int SOCK_NONBLOCK = 0x800;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int ETH_P_ALL = 0x0003;
    private static final int SOL_PACKET = 263;
    private static final int PACKET_RX_RING = 5;
    private static final int PACKET_VERSION = 10;
    private static final int PACKET_FANOUT = 18;
    private static final int PACKET_IGNORE_OUTGOING = 23;
    private static final int PACKET_STATISTICS = 6;
    private static final int PACKET_VNET_HDR = 15;
    /** struct virtio_net_hdr without num_buffers: what PACKET_VNET_HDR puts before each frame. */
    public static final int VNET_HDR_SIZE = 10;
    private static final int TPACKET_V3 = 2;
    private static final int MSG_DONTWAIT = 0x40;
    /** struct sockaddr_ll: family u16, protocol be16, ifindex i32, hatype u16, pkttype u8, halen u8, addr[8]. */
    private static final int SOCKADDR_LL_SIZE = 20;
    /** struct tpacket_req3: seven u32. */
    private static final int TPACKET_REQ3_SIZE = 28;
    /** struct mmsghdr: msghdr (56) + msg_len u32, padded to 64. */
    private static final int MMSGHDR_SIZE = 64;
    private static final int IOVEC_SIZE = 16;
    /** PACKET_FANOUT_HASH: flows spread over the group's sockets by their hash. */
    public static final int FANOUT_HASH = 0;

    private static final MethodHandle SOCKET = Native.downcall("socket",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT));
    private static final MethodHandle SETSOCKOPT = Native.downcall("setsockopt",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, C_POINTER, C_INT));
    private static final MethodHandle BIND = Native.downcall("bind",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT));
    private static final MethodHandle GETSOCKOPT = Native.downcall("getsockopt",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, C_POINTER, C_POINTER));
    private static final MethodHandle SENDMMSG = Native.downcall("sendmmsg",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT, C_INT));

    private final Fd fd;
    private final Arena arena;
    private final MemorySegment ring;
    private final int blockSize;
    private final int blockCount;
    private final MemorySegment messages;
    private final MemorySegment iovecs;
    private final int batch;

    private PacketSocket(Fd fd, Arena arena, MemorySegment ring, int blockSize, int blockCount, int batch) {
        this.fd = fd;
        this.arena = arena;
        this.ring = ring;
        this.blockSize = blockSize;
        this.blockCount = blockCount;
        this.batch = batch;
        this.messages = arena.allocate((long) MMSGHDR_SIZE * batch, 8);
        this.iovecs = arena.allocate((long) IOVEC_SIZE * batch, 8);
        for (int i = 0; i < batch; i++) {
            MemorySegment m = messages.asSlice((long) i * MMSGHDR_SIZE, MMSGHDR_SIZE);
            m.set(C_POINTER, 16, iovecs.asSlice((long) i * IOVEC_SIZE, IOVEC_SIZE)); // msg_iov
            m.set(C_LONG, 24, 1L); // msg_iovlen
        }
    }

    /**
     * Opens a non-blocking packet socket on interface {@code ifindex} with a TPACKET_V3 receive ring of
     * {@code blockCount} blocks of {@code blockSize} bytes (a block is handed to us when full or after
     * {@code retireMillis}), ignoring the frames we send ourselves.
     *
     * @param fanoutGroup 0 for none; else sockets with the same group id share the interface's traffic by flow hash
     * @param sendBatch   most frames one {@link #send} call takes
     */
    public static PacketSocket open(int ifindex, int blockSize, int blockCount, int retireMillis, int fanoutGroup,
                                    int sendBatch) throws ErrnoException {
        return open(ifindex, blockSize, blockCount, retireMillis, fanoutGroup, sendBatch, false);
    }

    /**
     * As above; with {@code vnetHeader} (PACKET_VNET_HDR) a {@link #VNET_HDR_SIZE}-byte struct virtio_net_hdr
     * precedes every frame: in the ring right before the MAC header (TPACKET_V3 needs Linux >= 5.8), and in front
     * of each frame {@link #send} sends. Offloaded frames (partial checksum, GSO up to 64 KiB) then pass as they are.
     */
    public static PacketSocket open(int ifindex, int blockSize, int blockCount, int retireMillis, int fanoutGroup,
                                    int sendBatch, boolean vnetHeader) throws ErrnoException {
        if (ifindex <= 0) {
            throw new IllegalArgumentException("interface index " + ifindex + " must be > 0");
        }
        if (blockSize < 4096 || Integer.bitCount(blockSize) != 1 || blockCount < 2) {
            throw new IllegalArgumentException("ring of " + blockCount + " blocks of " + blockSize
                    + " bytes: blocks must be a power of two >= 4096, at least 2 of them");
        }
        int raw;
        try {
            // protocol 0: the socket receives nothing until bind() names the interface and ETH_P_ALL (packet(7));
            // created with ETH_P_ALL it would take every interface's frames into its ring until then
            raw = (int) SOCKET.invokeExact(Native.scratch().errno, AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
        Fd fd = Fd.adopt(Syscall.check(raw, "socket", "AF_PACKET, SOCK_RAW, 0"));
        Arena arena = Arena.ofShared();
        try (Arena tmp = Arena.ofConfined()) {
            setInt(fd, tmp, PACKET_VERSION, TPACKET_V3, "PACKET_VERSION TPACKET_V3");
            setInt(fd, tmp, PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING");
            if (vnetHeader) {
                setInt(fd, tmp, PACKET_VNET_HDR, 1, "PACKET_VNET_HDR"); // before the ring: refused (EBUSY) after
            }
            MemorySegment req = tmp.allocate(TPACKET_REQ3_SIZE, 4);
            int frameSize = 2048; // only bookkeeping for V3: frames are packed into blocks
            req.set(C_INT, 0, blockSize);
            req.set(C_INT, 4, blockCount);
            req.set(C_INT, 8, frameSize);
            req.set(C_INT, 12, (int) ((long) blockSize * blockCount / frameSize));
            req.set(C_INT, 16, retireMillis);
            req.set(C_INT, 20, 0);
            req.set(C_INT, 24, 0);
            setsockopt(fd, PACKET_RX_RING, req, "PACKET_RX_RING " + blockCount + "x" + blockSize);
            MemorySegment ring = Mman.mapShared(fd, 0, (long) blockSize * blockCount, arena);
            MemorySegment addr = tmp.allocate(SOCKADDR_LL_SIZE, 4);
            addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_PACKET);
            addr.set(ValueLayout.JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) ETH_P_ALL);
            addr.set(C_INT, 4, ifindex);
            int r = (int) BIND.invokeExact(Native.scratch().errno, fd.value(), addr, SOCKADDR_LL_SIZE);
            Syscall.check(r, "bind", "AF_PACKET ifindex " + ifindex);
            if (fanoutGroup != 0) {
                setInt(fd, tmp, PACKET_FANOUT, (fanoutGroup & 0xFFFF) | (FANOUT_HASH << 16), "PACKET_FANOUT " + fanoutGroup);
            }
            return new PacketSocket(fd, arena, ring, blockSize, blockCount, sendBatch);
        } catch (ErrnoException | RuntimeException e) {
            fd.close();
            arena.close();
            throw e;
        } catch (Throwable t) {
            fd.close();
            arena.close();
            throw Native.linkageBug(t);
        }
    }

    private static void setInt(Fd fd, Arena tmp, int option, int value, String what) throws ErrnoException {
        MemorySegment v = tmp.allocate(C_INT);
        v.set(C_INT, 0, value);
        setsockopt(fd, option, v, what);
    }

    private static void setsockopt(Fd fd, int option, MemorySegment value, String what) throws ErrnoException {
        try {
            int r = (int) SETSOCKOPT.invokeExact(Native.scratch().errno, fd.value(), SOL_PACKET, option, value,
                    (int) value.byteSize());
            Syscall.check(r, "setsockopt", what);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }

    /** The interface's index, or 0 if there is no interface of that name. */
    public static int ifNameToIndex(String name) {
        return Tun.ifNameToIndex(name);
    }

    public Fd fd() {
        return fd;
    }

    /** The receive ring: {@link #blockCount()} blocks of {@link #blockSize()} bytes, layouts in {@link Tpacket3}. */
    public MemorySegment ring() {
        return ring;
    }

    public int blockSize() {
        return blockSize;
    }

    public int blockCount() {
        return blockCount;
    }

    public int sendBatch() {
        return batch;
    }

    /**
     * Sends frames {@code i} = 0..count-1 found at {@code data[offsets[i], offsets[i]+lengths[i])} with one
     * sendmmsg. Returns how many the kernel took (0 if its queue is full).
     */
    public int send(MemorySegment data, long[] offsets, int[] lengths, int count) throws ErrnoException {
        if (!data.isNative()) {
            throw new IllegalArgumentException("frames must be in an off-heap segment");
        }
        if (count > batch) {
            throw new IllegalArgumentException(count + " frames in one send; this socket batches at most " + batch);
        }
        for (int i = 0; i < count; i++) {
            java.util.Objects.checkFromIndexSize(offsets[i], lengths[i], data.byteSize());
            long iov = (long) i * IOVEC_SIZE;
            iovecs.set(C_LONG, iov, data.address() + offsets[i]);
            iovecs.set(C_LONG, iov + 8, lengths[i]);
        }
        Native.Scratch s = Native.scratch();
        try {
            int r;
            do {
                r = (int) SENDMMSG.invokeExact(s.errno, fd.value(), messages, count, MSG_DONTWAIT);
            } while (Syscall.interrupted(r));
            if (r < 0 && (s.errno() == Errno.EAGAIN || s.errno() == Errno.ENOBUFS)) {
                return 0;
            }
            return Syscall.check(r, "sendmmsg", fd);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }

    /**
     * PACKET_STATISTICS (struct tpacket_stats_v3): frames the kernel queued to this socket and frames it dropped
     * because the ring was full, since the previous call (reading resets the kernel's counters).
     */
    public long[] statistics() throws ErrnoException {
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment stats = tmp.allocate(12, 4);
            MemorySegment len = tmp.allocate(C_INT);
            len.set(C_INT, 0, 12);
            int r = (int) GETSOCKOPT.invokeExact(Native.scratch().errno, fd.value(), SOL_PACKET, PACKET_STATISTICS,
                    stats, len);
            Syscall.check(r, "getsockopt", "PACKET_STATISTICS");
            return new long[] {stats.get(C_INT, 0) & 0xFFFF_FFFFL, stats.get(C_INT, 4) & 0xFFFF_FFFFL};
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }

    @Override
    public void close() {
        fd.close();
        arena.close();
    }
}
