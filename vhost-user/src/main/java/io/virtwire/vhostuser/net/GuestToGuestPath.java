package io.virtwire.vhostuser.net;

import io.virtwire.memory.GuestMemory;
import io.virtwire.virtio.net.CopyBatch;
import io.virtwire.virtio.net.DirectPeer;
import io.virtwire.virtio.net.ForwardCounts;
import io.virtwire.virtio.net.FrameRoute;
import io.virtwire.virtio.net.PacketBurst;
import io.virtwire.virtio.net.VirtioNetHeader;
import io.virtwire.virtio.queue.ChainStatus;
import io.virtwire.virtio.queue.DescriptorChain;
import io.virtwire.virtio.queue.Virtqueue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Guest to guest in one copy: the frames of one queue pair's from-guest ring (guest A's transmit ring) copied
 * straight into a to-guest ring of another device (guest B's receive buffers), without the staging copy into a
 * {@link PacketBurst} and out of it. Where they go a {@link FrameRoute} says, per batch: a cross-connect's peer,
 * or the one port a switch sends every frame of the batch to unchanged.
 *
 * <p>Per batch: take A's chains; if the route reads heads, copy each frame's first {@link FrameRoute#HEAD} bytes
 * out (two loads) and ask it; take one receive buffer of B per frame; run the copies back to back (as
 * {@link CopyBatch} does, so the misses of many frames are in flight together); give both sides' chains back.
 * Only the usual case is copied this way: A's frame one buffer in one region, B's buffer one buffer in one region
 * with room for header and frame, A sending no offloads (its header is not read: B gets a zero header with
 * num_buffers 1). A batch the route sends nowhere directly is left whole in the burst for the caller's staged
 * forwarding, and the call ends there; from a frame whose B buffer is not the usual case on, the rest of the
 * batch goes into B the general way ({@link ToGuestPath#deliver}), in A's order.
 *
 * <p>Safety: runs under A's pair lock and, once it has a receiver, B's (taken only if free: two threads
 * forwarding both ways never wait on each other), so neither memory table can change; every range was checked
 * against its own guest's regions when its chain was walked, and chains are copies, so a guest rewriting its
 * descriptors meanwhile changes nothing here: a copy reads only A's memory and writes only B's. The heads the
 * route classified are written over the start of each frame in B, so a sender that rewrites its frame after the
 * route looked (another VLAN tag, another address) delivers what was classified. A fault (a memfd shrunk under
 * us) is put on the guest whose memory it was: {@link GuestFault}.
 */
final class GuestToGuestPath {

    private static final int BATCH = CopyBatch.CAPACITY;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt HEADER_4 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Header bytes 8..11: csum_offset 0, then num_buffers 1 (little-endian). */
    private static final int CSUM_OFFSET_0_NUM_BUFFERS_1 = 1 << 16;

    private final int[] srcRegions = new int[BATCH];
    private final long[] srcOffsets = new long[BATCH];
    private final int[] dstRegions = new int[BATCH];
    private final long[] dstOffsets = new long[BATCH];
    private final int[] lengths = new int[BATCH];

    /**
     * Moves what guest A (pair {@code a}) has sent, up to {@code burst.capacity()} frames, where {@code route}
     * says. The caller holds A's pair lock and has checked that A's header is not read.
     *
     * @param burst empty; on return it holds the frames taken but left to the caller (staged forwarding)
     * @throws GuestFault if a guest's memory faulted; both sides' chains are given back first
     */
    void forward(QueuePair a, BrokenLatch aBroken, FrameRoute route, PacketBurst burst, ForwardCounts counts) {
        NetRing tx = a.fromGuest;
        Virtqueue tq = tx.queue;
        FromGuestPath from = a.fromGuestPath;
        DescriptorChain[] sent = from.chains();
        int aHeader = a.headers.headerSize();
        boolean readsHeads = route.readsHeads();
        VhostUserNetDevice peer = null;
        QueuePair b = null;
        boolean anyTaken = false;
        boolean toPeer = false;
        try {
            int budget = burst.capacity();
            boolean more = true;
            while (more && budget > 0) {
                int want = Math.min(BATCH, budget);
                int taken = from.pop(tq, want);
                if (taken <= 0) {
                    break; // nothing more, or A's ring is malformed (latched broken)
                }
                more = taken == want;
                budget -= taken;
                anyTaken = true;
                int usual = usualPrefix(sent, taken, aHeader, readsHeads ? FrameRoute.HEAD : 1, burst.slotSize());
                DirectPeer to = null;
                if (!readsHeads || usual == taken) {
                    if (readsHeads) {
                        readHeads(sent[0].memory(), taken, burst);
                    }
                    to = route.route(burst);
                }
                if (to != null && peer == null && to instanceof VhostUserNetDevice d) {
                    b = d.tryLockDirectPair();
                    peer = b == null ? null : d;
                }
                if (to == null || to != peer) {
                    // the staged way for this batch, and the call ends: the caller forwards the burst
                    burst.clear();
                    stage(from, tq, tx, 0, taken, burst, counts);
                    break;
                }
                toPeer = true;
                int n = pair(usual, b, peer.broken());
                if (n > 0) {
                    DescriptorChain[] bufs = b.toGuestPath.chains();
                    long bytes = copy(n, sent, bufs, tq, b.toGuest.queue, burst, readsHeads, peer);
                    for (int k = 0; k < n; k++) {
                        tq.addUsed(sent[k], 0);
                        b.toGuest.queue.addUsed(bufs[k], VirtioNetHeader.SIZE + (long) lengths[k]);
                    }
                    tx.frames += n;
                    tx.bytes += bytes;
                    b.toGuest.frames += n;
                    b.toGuest.bytes += bytes;
                    b.toGuest.direct += n;
                    counts.took(n, bytes);
                    counts.sent(peer, n, n, bytes);
                }
                burst.clear(); // the heads
                if (n < taken) {
                    // the rest of the batch into B the general way (a buffer not the usual case, or none), in order
                    int staged = stage(from, tq, tx, n, taken, burst, counts);
                    int d;
                    try {
                        d = b.toGuestPath.deliver(burst); // publishes and notifies B, the direct frames' entries too
                    } catch (InternalError e) {
                        throw new GuestFault(peer, e, false);
                    }
                    counts.sent(peer, staged, d, burst.leadingBytes(d));
                    burst.clear();
                    toPeer = false;
                    break;
                }
            }
        } finally {
            if (anyTaken) {
                tq.publishUsed();
                tx.notifyGuest(aBroken);
            }
            if (b != null) {
                if (toPeer) {
                    b.toGuest.queue.publishUsed();
                    b.toGuest.notifyGuest(peer.broken());
                }
                b.lock.unlock();
            }
        }
    }

    /**
     * How many of A's chains from the first are the usual case (one buffer in one region of one memory,
     * {@code min..slotSize} bytes of frame); records their frames' ranges, so that the loops that touch the frames
     * ({@link #readHeads}, {@link #copy}) do nothing else and the misses of many frames are in flight together.
     */
    private int usualPrefix(DescriptorChain[] sent, int taken, int aHeader, int min, int slotSize) {
        GuestMemory src = sent[0].memory();
        int n = 0;
        while (n < taken) {
            DescriptorChain c = sent[n];
            long length = c.readableBytes() - aHeader;
            int region = c.readableRegion();
            if (region < 0 || length < min || length > slotSize || c.memory() != src) {
                break;
            }
            srcRegions[n] = region;
            srcOffsets[n] = c.segmentAddress(0) + aHeader - src.regionGpa(region);
            lengths[n] = (int) length;
            n++;
        }
        return n;
    }

    /** Each frame's length and first {@link FrameRoute#HEAD} bytes into {@code heads} (all of them the usual case). */
    private void readHeads(GuestMemory src, int taken, PacketBurst heads) {
        for (int k = 0; k < taken; k++) {
            heads.append(lengths[k]);
        }
        MemorySegment data = heads.data();
        for (int k = 0; k < taken; k++) {
            MemorySegment from = src.regionSegment(srcRegions[k]);
            long at = srcOffsets[k];
            long to = heads.offset(k);
            data.set(LONG, to, from.get(LONG, at));
            data.set(LONG, to + 8, from.get(LONG, at + 8));
        }
    }

    /**
     * Takes one receive buffer of B for each of A's first {@code usual} frames ({@link #usualPrefix}) while B's is
     * the usual case too, and records its range; returns how many frames are paired. A buffer taken for a frame that is not paired
     * waits in B's stash for {@link ToGuestPath#deliver}, which takes that frame next.
     */
    private int pair(int usual, QueuePair b, BrokenLatch bBroken) {
        NetRing rx = b.toGuest;
        if (rx.stashed != 0 || b.headers.headerSize() != VirtioNetHeader.SIZE) {
            return 0;
        }
        Virtqueue rq = rx.queue;
        ToGuestPath to = b.toGuestPath;
        DescriptorChain[] bufs = to.chains();
        GuestMemory dst = null;
        int n = 0;
        for (; n < usual; n++) {
            DescriptorChain d = bufs[n];
            ChainStatus s = rq.pop(d);
            if (s != ChainStatus.OK) {
                if (s == ChainStatus.MALFORMED) {
                    bBroken.mark("ring " + rx.index + ": " + rq.brokenReason());
                }
                break;
            }
            int dr = d.writableRegion();
            if (dr < 0 || d.writableBytes() < VirtioNetHeader.SIZE + (long) lengths[n]
                    || (dst != null && d.writeMemory() != dst)) {
                to.stash(n);
                break;
            }
            dst = d.writeMemory();
            dstRegions[n] = dr;
            dstOffsets[n] = d.segmentAddress(d.readableCount()) - dst.regionGpa(dr);
        }
        return n;
    }

    /**
     * The copies of {@code n} paired frames, back to back: B's header (zero, num_buffers 1) by two plain stores,
     * the frame from A's buffer, then (if the route read them) the heads it read over the frame's first bytes.
     * Returns the frames' bytes. On a fault, gives both sides' chains back (B's buffers empty) and throws whose
     * memory it was: A's if one of its ranges faults when read alone.
     */
    private long copy(int n, DescriptorChain[] sent, DescriptorChain[] bufs, Virtqueue tq, Virtqueue rq,
                      PacketBurst heads, boolean withHeads, VhostUserNetDevice peer) {
        GuestMemory src = sent[0].memory();
        GuestMemory dst = bufs[0].writeMemory();
        MemorySegment headData = heads.data();
        long bytes = 0;
        try {
            for (int k = 0; k < n; k++) {
                MemorySegment to = dst.regionSegment(dstRegions[k]);
                long at = dstOffsets[k];
                int length = lengths[k];
                to.set(LONG, at, 0L);
                to.set(HEADER_4, at + 8, CSUM_OFFSET_0_NUM_BUFFERS_1);
                MemorySegment.copy(src.regionSegment(srcRegions[k]), srcOffsets[k], to, at + VirtioNetHeader.SIZE, length);
                if (withHeads) {
                    long h = heads.offset(k);
                    to.set(LONG, at + VirtioNetHeader.SIZE, headData.get(LONG, h));
                    to.set(LONG, at + VirtioNetHeader.SIZE + 8, headData.get(LONG, h + 8));
                }
                bytes += length;
            }
            return bytes;
        } catch (InternalError e) {
            boolean senders = !readable(n, src, heads);
            for (int k = 0; k < n; k++) {
                tq.addUsed(sent[k], 0);
                rq.addUsed(bufs[k], 0);
            }
            throw new GuestFault(peer, e, senders);
        }
    }

    /** Copies chains {@code from..taken-1} into {@code burst} the general way; returns the frames appended. */
    private static int stage(FromGuestPath from, Virtqueue tq, NetRing tx, int first, int taken, PacketBurst burst,
                             ForwardCounts counts) {
        long before = burst.bytes();
        int added;
        try {
            added = from.takeFrames(tq, first, taken, burst);
        } catch (InternalError e) {
            throw new GuestFault(null, e, true);
        }
        tx.frames += added;
        tx.bytes += burst.bytes() - before;
        counts.took(added, burst.bytes() - before);
        return added;
    }

    /** Whether A's ranges of the {@code n} paired frames can all be read (into {@code scratch}'s last slot). */
    private boolean readable(int n, GuestMemory src, PacketBurst scratch) {
        try {
            long to = scratch.offset(scratch.capacity() - 1);
            for (int k = 0; k < n; k++) {
                MemorySegment.copy(src.regionSegment(srcRegions[k]), srcOffsets[k], scratch.data(), to, lengths[k]);
            }
            return true;
        } catch (InternalError e) {
            return false;
        }
    }

    /** A guest's memory faulted under a copy: the sender's if {@link #sender}, else {@link #receiver}'s. */
    static final class GuestFault extends RuntimeException {

        final boolean sender;
        final VhostUserNetDevice receiver;

        GuestFault(VhostUserNetDevice receiver, InternalError cause, boolean sender) {
            super(cause.getMessage() == null ? "unsafe memory access" : cause.getMessage(), cause, false, false);
            this.sender = sender;
            this.receiver = receiver;
        }
    }
}
