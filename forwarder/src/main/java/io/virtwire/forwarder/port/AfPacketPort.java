package io.virtwire.forwarder.port;

import io.virtwire.linux.ErrnoException;
import io.virtwire.linux.Fd;
import io.virtwire.linux.PacketSocket;
import io.virtwire.linux.Tpacket3;
import io.virtwire.virtio.net.Offloads;
import io.virtwire.virtio.net.PacketBurst;
import io.virtwire.virtio.net.Wakeup;
import io.virtwire.virtio.net.VirtioNetHeader;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A host interface through AF_PACKET: frames arrive in a TPACKET_V3 ring mapped into our memory (no system call
 * per frame, the kernel hands over whole blocks) and leave in one sendmmsg per burst. Frames this socket sends
 * are not seen again (PACKET_IGNORE_OUTGOING). An 802.1Q tag the kernel took off on receive (VLAN offload) is put
 * back, so trunk ports see tags.
 *
 * <p>Virtio-net headers: PACKET_VNET_HDR on every socket, with or without {@code offloads}. The kernel hands a
 * packet socket whatever skb it has: on a veth (or a NIC with GRO) that means partial checksums and GSO frames
 * of up to 64 KiB, which without the header arrive with a checksum field nobody can complete. With the header
 * each frame's virtio_net_hdr is written right before its MAC header in the ring (copied into the burst's
 * header; csum_start and hdr_len move by 4 when a stripped tag is put back), so the port always receives into
 * large bursts, and the switch completes what a destination cannot take. {@code offloads} decides what we send:
 * with it frames leave with their offloads (the kernel finishes them), without it the switch hands this port
 * only complete frames (zero header). The header is read in front of each frame we send (moved there from the
 * burst's layout). {@code offloads} also sizes the ring's blocks (see SMALL_BLOCK): without it a GSO/GRO frame
 * longer than 32 KiB is dropped and counted ({@code truncatedDrops}), and the log says once what to do.
 */
public final class AfPacketPort implements Port {

    private static final System.Logger LOG = System.getLogger(AfPacketPort.class.getName());
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    // The kernel hands a block over when it is full or when it has waited RETIRE_MILLIS, so a block must fill
    // from a few bursts: 256 KiB blocks (~2000 small frames) turned every block into a 2 ms wait and a loop
    // with 1024 frames in flight ran at a quarter of DPDK's net_af_packet (docs/benchmarks.md, change 5), and
    // 128 KiB blocks at half of it (change 10). But TPACKET_V3 cuts a frame longer than a block, and a port that
    // takes offloads wants GSO/GRO frames of up to 64 KiB whole: it gets 128 KiB blocks (the smallest power of
    // two holding 64 KiB of IP plus Ethernet, tag and the ring's headers); a port without offloads gets 32 KiB
    // blocks (~200 small frames, 20 of 1518 bytes, one of 9000) and drops, counted, what does not fit. 4 MiB
    // per ring either way.
    private static final int SMALL_BLOCK = 1 << 15;
    private static final int LARGE_BLOCK = 1 << 17;
    private static final int RING_BYTES = 1 << 22;
    private static final int RETIRE_MILLIS = 1;

    private static final java.util.concurrent.atomic.AtomicInteger FANOUT_GROUPS =
            new java.util.concurrent.atomic.AtomicInteger((int) (ProcessHandle.current().pid() * 31));

    private final String name;
    private final String iface;
    private final Queue[] queues;
    private final long[] offsets;
    private final int[] lengths;
    private final boolean offloads;
    private int nextQueue;
    private volatile String brokenReason;

    /** One socket of the fanout group and where we are in its ring. */
    private static final class Queue {
        final PacketSocket socket;
        final MemorySegment ring;
        final int blockSize;
        final int blocks;
        final String iface;
        int block;
        int packetsLeft;
        long packetAt;
        /** Frames taken from this queue's ring (written by the receiving worker only). */
        volatile long received;
        /** The kernel's PACKET_STATISTICS, accumulated (reading resets them). */
        long kernelQueued;
        long kernelDropped;
        /** Frames the ring held only in part (longer than a block): dropped, never forwarded cut short. */
        volatile long truncated;

        Queue(PacketSocket socket, int blockSize, int blocks, String iface) {
            this.socket = socket;
            this.iface = iface;
            this.ring = socket.ring();
            this.blockSize = blockSize;
            this.blocks = blocks;
        }
    }

    private AfPacketPort(String name, String iface, Queue[] queues, boolean offloads) {
        this.offloads = offloads;
        this.name = name;
        this.iface = iface;
        this.queues = queues;
        this.offsets = new long[PacketBurst.DEFAULT_CAPACITY];
        this.lengths = new int[PacketBurst.DEFAULT_CAPACITY];
    }

    /**
     * @param queueCount sockets in a PACKET_FANOUT group (flows spread by hash), each with its own ring
     * @throws NoSuchInterfaceException if {@code iface} does not exist
     */
    public static AfPacketPort open(String name, String iface, int queueCount) throws IOException {
        return open(name, iface, queueCount, false);
    }

    /**
     * @param offloads offloaded frames leave with their virtio-net header, and frames of up to 64 KiB (GSO/GRO)
     *                 arrive whole; without, frames longer than 32 KiB are dropped (counted as truncatedDrops)
     */
    public static AfPacketPort open(String name, String iface, int queueCount, boolean offloads) throws IOException {
        int index = PacketSocket.ifNameToIndex(iface);
        if (index == 0) {
            throw new NoSuchInterfaceException("interface '" + iface + "' does not exist on this host"
                    + " (ip -br link shows the interfaces)");
        }
        int group = queueCount > 1 ? (FANOUT_GROUPS.incrementAndGet() & 0xFFFF) | 1 : 0;
        int blockSize = offloads ? LARGE_BLOCK : SMALL_BLOCK;
        Queue[] queues = new Queue[queueCount];
        try {
            for (int i = 0; i < queueCount; i++) {
                queues[i] = new Queue(PacketSocket.open(index, blockSize, RING_BYTES / blockSize, RETIRE_MILLIS, group,
                        PacketBurst.DEFAULT_CAPACITY, true), blockSize, RING_BYTES / blockSize, iface);
            }
        } catch (IOException | RuntimeException e) {
            for (Queue q : queues) {
                if (q != null) {
                    q.socket.close();
                }
            }
            throw e;
        }
        return new AfPacketPort(name, iface, queues, offloads);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return "af-packet";
    }

    private static long blockBase(Queue q) {
        return (long) q.block * q.blockSize;
    }

    private static boolean blockReady(Queue q) {
        boolean ready = (q.ring.get(U32, blockBase(q) + Tpacket3.BLOCK_STATUS) & Tpacket3.TP_STATUS_USER) != 0;
        VarHandle.acquireFence(); // the block's contents after its status
        return ready;
    }

    private static void releaseBlock(Queue q) {
        VarHandle.releaseFence(); // we are done reading before the kernel may reuse it
        q.ring.set(U32, blockBase(q) + Tpacket3.BLOCK_STATUS, Tpacket3.TP_STATUS_KERNEL);
        q.block = q.block + 1 == q.blocks ? 0 : q.block + 1;
    }

    @Override
    public int receive(PacketBurst burst) {
        int added = 0;
        for (int n = 0; n < queues.length && !burst.isFull(); n++) {
            Queue q = queues[nextQueue];
            nextQueue = nextQueue + 1 == queues.length ? 0 : nextQueue + 1;
            int got = receive(q, burst);
            if (got > 0) {
                q.received += got;
            }
            added += got;
        }
        return added;
    }

    private static int receive(Queue q, PacketBurst burst) {
        MemorySegment ring = q.ring;
        int added = 0;
        while (!burst.isFull()) {
            if (q.packetsLeft == 0) {
                if (!blockReady(q)) {
                    break;
                }
                q.packetsLeft = ring.get(U32, blockBase(q) + Tpacket3.BLOCK_NUM_PKTS);
                q.packetAt = blockBase(q) + (ring.get(U32, blockBase(q) + Tpacket3.BLOCK_FIRST_PKT) & 0xFFFF_FFFFL);
                if (q.packetsLeft == 0) {
                    releaseBlock(q);
                    continue;
                }
            }
            long hdr = q.packetAt;
            int snap = ring.get(U32, hdr + Tpacket3.PKT_SNAPLEN);
            int status = ring.get(U32, hdr + Tpacket3.PKT_STATUS);
            long mac = hdr + (ring.get(U16, hdr + Tpacket3.PKT_MAC) & 0xFFFF);
            boolean retag = (status & Tpacket3.TP_STATUS_VLAN_VALID) != 0;
            int length = snap + (retag ? 4 : 0);
            if (snap != ring.get(U32, hdr + Tpacket3.PKT_LEN)) {
                if (q.truncated++ == 0) {
                    LOG.log(System.Logger.Level.WARNING, q.iface + ": a frame of " + ring.get(U32, hdr + Tpacket3.PKT_LEN)
                            + " bytes did not fit a " + q.blockSize + "-byte ring block and is dropped (GSO/GRO from"
                            + " the kernel; counted as truncatedDrops): give the port offloads: true, or turn"
                            + " aggregation off on the interface (ethtool -K " + q.iface + " gro off tso off gso off)");
                }
            } else if (snap >= 12 && length <= burst.slotSize() && mac + snap <= blockBase(q) + q.blockSize
                    && mac - PacketSocket.VNET_HDR_SIZE >= hdr) {
                int slot = burst.append(length);
                MemorySegment out = burst.data();
                long to = burst.offset(slot);
                if (retag) {
                    int tpid = (status & Tpacket3.TP_STATUS_VLAN_TPID_VALID) != 0
                            ? ring.get(U16, hdr + Tpacket3.PKT_VLAN_TPID) & 0xFFFF : 0x8100;
                    MemorySegment.copy(ring, mac, out, to, 12);
                    out.set(BE16, to + 12, (short) tpid);
                    out.set(BE16, to + 14, (short) ring.get(U32, hdr + Tpacket3.PKT_VLAN_TCI));
                    MemorySegment.copy(ring, mac + 12, out, to + 16, snap - 12);
                } else {
                    MemorySegment.copy(ring, mac, out, to, snap);
                }
                long h = burst.headerOffset(slot);
                MemorySegment.copy(ring, mac - PacketSocket.VNET_HDR_SIZE, out, h, PacketSocket.VNET_HDR_SIZE);
                if (retag && burst.hasOffload(slot)) {
                    shiftOffsets(out, h);
                }
                added++;
            }
            if (--q.packetsLeft == 0) {
                releaseBlock(q);
            } else {
                q.packetAt = hdr + (ring.get(U32, hdr + Tpacket3.PKT_NEXT_OFFSET) & 0xFFFF_FFFFL);
            }
        }
        return added;
    }

    /** A tag was put back in front of the IP header: the header's offsets from the frame start grow by 4. */
    private static void shiftOffsets(MemorySegment out, long h) {
        if ((out.get(ValueLayout.JAVA_BYTE, h + VirtioNetHeader.FLAGS) & VirtioNetHeader.F_NEEDS_CSUM) != 0) {
            out.set(LE16, h + VirtioNetHeader.CSUM_START, (short) (out.get(LE16, h + VirtioNetHeader.CSUM_START) + 4));
        }
        short hdrLen = out.get(LE16, h + VirtioNetHeader.HDR_LEN);
        if (hdrLen != 0) {
            out.set(LE16, h + VirtioNetHeader.HDR_LEN, (short) (hdrLen + 4));
        }
    }

    @Override
    public int offloadsAccepted() {
        return offloads ? Offloads.ALL : Offloads.NONE;
    }

    /** Always: the kernel may hand this socket GSO frames (see the class comment). */
    @Override
    public boolean largeFrames() {
        return true;
    }

    @Override
    public synchronized int transmit(PacketBurst burst) {
        if (brokenReason != null) {
            return 0;
        }
        int sent = 0;
        int count = burst.count();
        int header = PacketSocket.VNET_HDR_SIZE;
        try {
            while (sent < count) {
                int n = Math.min(offsets.length, count - sent);
                for (int i = 0; i < n; i++) {
                    long at = burst.offset(sent + i);
                    // the socket wants the 10-byte header right before the frame; the burst keeps 12 there
                    MemorySegment d = burst.data();
                    MemorySegment.copy(d, burst.headerOffset(sent + i), d, at - header, header);
                    offsets[i] = at - header;
                    lengths[i] = burst.length(sent + i) + header;
                }
                // one transmitting socket keeps the order of frames; fanout only spreads receiving
                int r = queues[0].socket.send(burst.data(), offsets, lengths, n);
                sent += r;
                if (r < n) {
                    break;
                }
            }
        } catch (ErrnoException e) {
            if (e.errno() != io.virtwire.linux.Errno.ENOBUFS && !"ENETDOWN".equals(e.errnoName())) {
                brokenReason = "sendmmsg: " + e.getMessage();
                LOG.log(System.Logger.Level.WARNING, name + ": AF_PACKET on " + iface + " broken: " + brokenReason);
            }
        }
        return sent;
    }

    /** The first queue's socket: the others are {@link #extraPollFds()}. */
    @Override
    public Fd pollFd() {
        return queues[0].socket.fd();
    }

    @Override
    public Fd[] extraPollFds() {
        Fd[] extra = new Fd[queues.length - 1];
        for (int i = 1; i < queues.length; i++) {
            extra[i - 1] = queues[i].socket.fd();
        }
        return extra;
    }

    @Override
    public Wakeup armWakeup() {
        for (Queue q : queues) {
            if (q.packetsLeft > 0 || blockReady(q)) {
                return Wakeup.WORK_PENDING;
            }
        }
        return Wakeup.ARMED;
    }

    @Override
    public void disarmWakeup() {
    }

    @Override
    public boolean isUp() {
        return brokenReason == null;
    }

    @Override
    public String brokenReason() {
        return brokenReason;
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("iface", iface);
        m.put("queues", queues.length);
        m.put("offloads", offloads);
        java.util.List<Map<String, Object>> perQueue = new java.util.ArrayList<>();
        for (int i = 0; i < queues.length; i++) {
            Queue q = queues[i];
            synchronized (q) {
                try {
                    long[] st = q.socket.statistics();
                    q.kernelQueued += st[0];
                    q.kernelDropped += st[1];
                } catch (ErrnoException e) {
                    // closed under us: report what we have
                }
                Map<String, Object> qm = new LinkedHashMap<>();
                qm.put("queue", i);
                qm.put("rxPackets", q.received);
                qm.put("kernelQueued", q.kernelQueued);
                qm.put("ringFullDrops", q.kernelDropped);
                qm.put("truncatedDrops", q.truncated);
                perQueue.add(qm);
            }
        }
        m.put("queueStats", perQueue);
        m.put("ring", queues[0].blocks + " x " + queues[0].blockSize + " bytes (TPACKET_V3) per queue");
        return m;
    }

    @Override
    public void close() {
        for (Queue q : queues) {
            q.socket.close();
        }
    }
}
