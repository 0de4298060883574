package io.virtwire.vhostuser.net;

import io.virtwire.memory.GuestMemory;
import io.virtwire.virtio.net.ForwardCounts;
import io.virtwire.virtio.net.CopyBatch;
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
 * {@link PacketBurst} and out of it. For a cross-connect of two vhost-user ports served by one thread.
 *
 * <p>Per batch: take A's chains, take one receive buffer of B per frame, then run the copies back to back (as
 * {@link CopyBatch} does, so the misses of many frames are in flight together), then give both sides' chains
 * back. Only the usual case is copied this way: A's frame one buffer in one region, B's buffer one buffer in one
 * region with room for header and frame, A sending no offloads (its header is not read: B gets a zero header with
 * num_buffers 1). From the first frame that is not the usual case, the rest of the call takes the general way
 * (staged in the burst, then {@link ToGuestPath#deliver}), so B sees the frames in A's order.
 *
 * <p>Safety: runs under both pairs' locks, so neither memory table can change; every range was checked against
 * its own guest's regions when its chain was walked, and the chains are copies, so a guest rewriting its
 * descriptors meanwhile changes nothing here, and a copy reads only A's memory and writes only B's. A fault (a
 * memfd shrunk under us) is put on the guest whose memory it was: {@link GuestFault}.
 */
final class GuestToGuestPath {

    private static final int BATCH = CopyBatch.CAPACITY;
    private static final ValueLayout.OfLong HEADER_8 = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt HEADER_4 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Header bytes 8..11: csum_offset 0, then num_buffers 1 (little-endian). */
    private static final int CSUM_OFFSET_0_NUM_BUFFERS_1 = 1 << 16;

    private final int[] srcRegions = new int[BATCH];
    private final long[] srcOffsets = new long[BATCH];
    private final int[] dstRegions = new int[BATCH];
    private final long[] dstOffsets = new long[BATCH];
    private final int[] lengths = new int[BATCH];

    /**
     * Moves what guest A (pair {@code a}) has sent into guest B's to-guest ring of pair {@code b}, up to
     * {@code burst.capacity()} frames. The caller holds both pairs' locks and has checked that A's header is not
     * read, that B takes the 12-byte header and that B's ring has no chain stashed.
     *
     * @param burst empty: staging for the frames that take the general way
     * @throws GuestFault if a guest's memory faulted; both sides' chains are given back first
     */
    void forward(QueuePair a, BrokenLatch aBroken, QueuePair b, BrokenLatch bBroken, PacketBurst burst,
                 ForwardCounts counts) {
        NetRing tx = a.fromGuest;
        NetRing rx = b.toGuest;
        Virtqueue tq = tx.queue;
        Virtqueue rq = rx.queue;
        FromGuestPath from = a.fromGuestPath;
        DescriptorChain[] sent = from.chains();
        int aHeader = a.headers.headerSize();
        int budget = burst.capacity();
        boolean anyTaken = false;
        boolean anyDirect = false;
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
            int n = rx.stashed == 0 ? pair(sent, taken, aHeader, rq, rx, b.toGuestPath, bBroken, burst.slotSize()) : 0;
            if (n > 0) {
                DescriptorChain[] bufs = b.toGuestPath.chains();
                long bytes = copy(n, sent[0].memory(), bufs[0].writeMemory(), sent, bufs, tq, rq, burst);
                for (int k = 0; k < n; k++) {
                    tq.addUsed(sent[k], 0);
                    rq.addUsed(bufs[k], VirtioNetHeader.SIZE + (long) lengths[k]);
                }
                tx.frames += n;
                tx.bytes += bytes;
                rx.frames += n;
                rx.bytes += bytes;
                rx.direct += n;
                counts.took(n, bytes);
                counts.delivered(n, bytes);
                anyDirect = true;
            }
            if (n < taken) {
                // the rest of this call the general way, after the frames above: B sees A's order
                long before = burst.bytes();
                int added;
                try {
                    added = from.takeFrames(tq, n, taken, burst);
                } catch (InternalError e) {
                    throw new GuestFault(true, e);
                }
                tx.frames += added;
                tx.bytes += burst.bytes() - before;
                counts.took(added, burst.bytes() - before);
                break;
            }
        }
        if (anyTaken) {
            tq.publishUsed();
            tx.notifyGuest(aBroken);
        }
        if (burst.count() > 0) {
            int d;
            try {
                d = b.toGuestPath.deliver(burst); // publishes and notifies B, the direct frames' used entries too
            } catch (InternalError e) {
                throw new GuestFault(false, e);
            }
            counts.delivered(d, d == burst.count() ? burst.bytes() : leadingBytes(burst, d));
        } else if (anyDirect) {
            rq.publishUsed();
            rx.notifyGuest(bBroken);
        }
    }

    /**
     * Takes one receive buffer of B for each of A's frames {@code 0, 1, ...} while both are the usual case, and
     * records their ranges; returns how many frames are paired. A buffer taken for a frame that is not paired
     * waits in B's stash for {@link ToGuestPath#deliver}, which takes that frame next.
     */
    private int pair(DescriptorChain[] sent, int taken, int aHeader, Virtqueue rq, NetRing rx, ToGuestPath to,
                     BrokenLatch bBroken, int slotSize) {
        DescriptorChain[] bufs = to.chains();
        GuestMemory src = sent[0].memory();
        GuestMemory dst = null;
        int n = 0;
        for (; n < taken; n++) {
            DescriptorChain c = sent[n];
            int sr = c.readableRegion();
            long length = c.readableBytes() - aHeader;
            if (sr < 0 || length <= 0 || length > slotSize || c.memory() != src) {
                break;
            }
            DescriptorChain d = bufs[n];
            ChainStatus s = rq.pop(d);
            if (s != ChainStatus.OK) {
                if (s == ChainStatus.MALFORMED) {
                    bBroken.mark("ring " + rx.index + ": " + rq.brokenReason());
                }
                break;
            }
            int dr = d.writableRegion();
            if (dr < 0 || d.writableBytes() < VirtioNetHeader.SIZE + length || (dst != null && d.writeMemory() != dst)) {
                to.stash(n);
                break;
            }
            dst = d.writeMemory();
            srcRegions[n] = sr;
            srcOffsets[n] = c.segmentAddress(0) + aHeader - src.regionGpa(sr);
            dstRegions[n] = dr;
            dstOffsets[n] = d.segmentAddress(d.readableCount()) - dst.regionGpa(dr);
            lengths[n] = (int) length;
        }
        return n;
    }

    /**
     * The copies of {@code n} paired frames, back to back: B's header (zero, num_buffers 1) by two plain stores,
     * then the frame from A's buffer. Returns the frames' bytes. On a fault, gives both sides' chains back (B's
     * buffers empty) and throws whose memory it was: A's if one of its ranges faults when read alone.
     */
    private long copy(int n, GuestMemory src, GuestMemory dst, DescriptorChain[] sent, DescriptorChain[] bufs,
                      Virtqueue tq, Virtqueue rq, PacketBurst scratch) {
        long bytes = 0;
        try {
            for (int k = 0; k < n; k++) {
                MemorySegment to = dst.regionSegment(dstRegions[k]);
                long at = dstOffsets[k];
                int length = lengths[k];
                to.set(HEADER_8, at, 0L);
                to.set(HEADER_4, at + 8, CSUM_OFFSET_0_NUM_BUFFERS_1);
                MemorySegment.copy(src.regionSegment(srcRegions[k]), srcOffsets[k], to, at + VirtioNetHeader.SIZE, length);
                bytes += length;
            }
            return bytes;
        } catch (InternalError e) {
            boolean sender = !readable(n, src, scratch);
            for (int k = 0; k < n; k++) {
                tq.addUsed(sent[k], 0);
                rq.addUsed(bufs[k], 0);
            }
            tq.publishUsed();
            rq.publishUsed();
            throw new GuestFault(sender, e);
        }
    }

    /** Whether A's ranges of the {@code n} paired frames can all be read (into {@code scratch}'s first slot). */
    private boolean readable(int n, GuestMemory src, PacketBurst scratch) {
        try {
            for (int k = 0; k < n; k++) {
                MemorySegment.copy(src.regionSegment(srcRegions[k]), srcOffsets[k], scratch.data(), scratch.offset(0), lengths[k]);
            }
            return true;
        } catch (InternalError e) {
            return false;
        }
    }

    private static long leadingBytes(PacketBurst burst, int sent) {
        long bytes = 0;
        for (int i = 0; i < sent; i++) {
            bytes += burst.length(i);
        }
        return bytes;
    }

    /** A guest's memory faulted under a copy: {@code sender} A's (the from-guest side), else B's. */
    static final class GuestFault extends RuntimeException {

        final boolean sender;

        GuestFault(boolean sender, InternalError cause) {
            super(cause.getMessage() == null ? "unsafe memory access" : cause.getMessage(), cause, false, false);
            this.sender = sender;
        }
    }
}
