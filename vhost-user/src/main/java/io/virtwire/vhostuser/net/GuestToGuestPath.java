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
import io.virtwire.virtio.queue.PlainBatch;
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
 * <p>For a route that reads heads (a switch's), a side whose guest memory is on hugepages has its chains taken as
 * plain records ({@link Virtqueue#popPlain}: no {@link DescriptorChain} filled) while they are the usual case;
 * otherwise, and for a cross-connect, as chains. Measured, not reasoned (docs/benchmarks.md, "Session 11"): with
 * plain records the switch ran 1.08-1.10x faster with two ports and 1.18x with sixteen on 2 MiB pages, but
 * 0.95x and 0.72x on 4 KiB pages, and the cross-connect 0.90-0.95x on 2 MiB pages.
 *
 * <p>Safety: runs under A's pair lock and, once it has a receiver, B's (taken only if free: two threads
 * forwarding both ways never wait on each other), so neither memory table can change; every range was checked
 * against its own guest's regions when it was taken (its chain walked, or its plain record read), and both are
 * copies, so a guest rewriting its descriptors meanwhile changes nothing here: a copy reads only A's memory and
 * writes only B's. The heads the route classified are written over the start of each frame in B, so a sender
 * that rewrites its frame after the route looked (another VLAN tag, another address) delivers what was
 * classified. A fault (a memfd shrunk under us) is put on the guest whose memory it was: {@link GuestFault}.
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
    /** Receive buffer lengths the frames of a batch need (header and frame). */
    private final long[] needs = new long[BATCH];
    /** A batch as plain records ({@link Virtqueue#popPlain}): the usual case, without filling chains. */
    private final PlainBatch sentPlain = new PlainBatch(BATCH);
    private final PlainBatch bufsPlain = new PlainBatch(BATCH);
    /** Per batch: the sender's chains are in {@link #sentPlain} (else in its path's chains), the receiver's in {@link #bufsPlain}. */
    private boolean plainSent;
    private boolean plainBufs;
    private GuestMemory srcMemory;
    private GuestMemory dstMemory;
    /** Tests: plain records on memory of any page size. */
    private boolean recordsOnAnyPages;

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
        int aHeader = a.headers.headerSize();
        boolean readsHeads = route.readsHeads();
        int minFrame = readsHeads ? FrameRoute.HEAD : 1;
        VhostUserNetDevice peer = null;
        QueuePair b = null;
        boolean anyTaken = false;
        boolean toPeer = false;
        try {
            int budget = burst.capacity();
            boolean more = true;
            while (more && budget > 0) {
                int want = Math.min(BATCH, budget);
                int taken = takeSent(tq, from, want, aHeader, minFrame, burst.slotSize(), readsHeads && records(tq));
                if (taken <= 0) {
                    break; // nothing more, or A's ring is malformed (latched broken)
                }
                more = taken == want || (plainSent && sentPlain.stoppedEarly());
                budget -= taken;
                anyTaken = true;
                int usual = plainSent ? taken : usualPrefix(from.chains(), taken, aHeader, minFrame, burst.slotSize());
                DirectPeer to = null;
                if (!readsHeads || usual == taken) {
                    if (readsHeads) {
                        readHeads(taken, burst);
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
                int n = pair(usual, b, peer.broken(), readsHeads && records(b.toGuest.queue));
                if (n > 0) {
                    long bytes = copy(n, from, tq, b, burst, readsHeads, peer);
                    for (int k = 0; k < n; k++) {
                        giveBack(from, tq, k, 0);
                        giveBack(b, k, VirtioNetHeader.SIZE + (long) lengths[k]);
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

    /** Whether {@code q}'s chains are taken as plain records (where measured faster: see the class comment). */
    private boolean records(Virtqueue q) {
        return recordsOnAnyPages || q.memory().onHugePages();
    }

    /** Tests: plain records whatever pages the memory is on (their memfds are on 4 KiB pages). */
    void recordsOnAnyPages() {
        recordsOnAnyPages = true;
    }

    /**
     * Takes up to {@code want} of A's chains: if {@code plain}, as plain records while they are the usual case
     * (their frames' ranges recorded); else, or from the first that is not, the general way into its path's
     * chains. Returns how many, or -1 if A's ring is malformed.
     */
    private int takeSent(Virtqueue tq, FromGuestPath from, int want, int aHeader, int minFrame, int slotSize,
                         boolean plain) {
        if (!plain) {
            plainSent = false;
            return from.pop(tq, want);
        }
        int n = tq.popPlain(sentPlain, want, false, aHeader + (long) minFrame, null, aHeader + (long) slotSize);
        plainSent = n > 0;
        if (plainSent) {
            srcMemory = sentPlain.memory();
            for (int k = 0; k < n; k++) {
                srcRegions[k] = sentPlain.regions[k];
                srcOffsets[k] = sentPlain.offsets[k] + aHeader;
                lengths[k] = (int) (sentPlain.lengths[k] - aHeader);
            }
            return n;
        }
        return sentPlain.stoppedEarly() ? from.pop(tq, want) : 0;
    }

    /**
     * How many of A's chains from the first are the usual case (one buffer in one region of one memory,
     * {@code min..slotSize} bytes of frame); records their frames' ranges, so that the loops that touch the frames
     * ({@link #readHeads}, {@link #copy}) do nothing else and the misses of many frames are in flight together.
     */
    private int usualPrefix(DescriptorChain[] sent, int taken, int aHeader, int min, int slotSize) {
        GuestMemory src = sent[0].memory();
        srcMemory = src;
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
    private void readHeads(int taken, PacketBurst heads) {
        for (int k = 0; k < taken; k++) {
            heads.append(lengths[k]);
        }
        GuestMemory src = srcMemory;
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
     * Takes one receive buffer of B for each of A's first {@code usual} frames while B's is the usual case too
     * (as plain records if {@code plain} and B's ring has that path, else chains), and records its range; returns how many frames
     * are paired. A chain taken for a frame that is not paired waits in B's stash for
     * {@link ToGuestPath#deliver}, which takes that frame next; a plain record is never taken for one.
     */
    private int pair(int usual, QueuePair b, BrokenLatch bBroken, boolean plain) {
        NetRing rx = b.toGuest;
        if (rx.stashed != 0 || b.headers.headerSize() != VirtioNetHeader.SIZE) {
            return 0;
        }
        Virtqueue rq = rx.queue;
        for (int k = 0; k < usual; k++) {
            needs[k] = VirtioNetHeader.SIZE + (long) lengths[k];
        }
        int m = plain ? rq.popPlain(bufsPlain, usual, true, 0, needs, Long.MAX_VALUE) : 0;
        if (plain && (m > 0 || !bufsPlain.stoppedEarly())) {
            plainBufs = true;
            dstMemory = bufsPlain.memory();
            for (int k = 0; k < m; k++) {
                dstRegions[k] = bufsPlain.regions[k];
                dstOffsets[k] = bufsPlain.offsets[k];
            }
            return m;
        }
        plainBufs = false;
        rq.prefetch(usual); // B's descriptors: their misses together, not one per pop
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
            if (dr < 0 || d.writableBytes() < needs[n] || (dst != null && d.writeMemory() != dst)) {
                to.stash(n);
                break;
            }
            dst = d.writeMemory();
            dstRegions[n] = dr;
            dstOffsets[n] = d.segmentAddress(d.readableCount()) - dst.regionGpa(dr);
        }
        dstMemory = dst;
        return n;
    }

    /** A's k-th chain of the batch back to A. */
    private void giveBack(FromGuestPath from, Virtqueue tq, int k, long written) {
        if (plainSent) {
            tq.addUsed(sentPlain.ids[k], written);
        } else {
            tq.addUsed(from.chains()[k], written);
        }
    }

    /** B's k-th buffer of the batch back to B with {@code written} bytes in it. */
    private void giveBack(QueuePair b, int k, long written) {
        if (plainBufs) {
            b.toGuest.queue.addUsed(bufsPlain.ids[k], written);
        } else {
            b.toGuest.queue.addUsed(b.toGuestPath.chains()[k], written);
        }
    }

    /**
     * The copies of {@code n} paired frames, back to back: B's header (zero, num_buffers 1) by two plain stores where
     * it differs,
     * the frame from A's buffer, then (if the route read them) the heads it read over the frame's first bytes.
     * Returns the frames' bytes. On a fault, gives both sides' chains back (B's buffers empty) and throws whose
     * memory it was: A's if one of its ranges faults when read alone.
     */
    private long copy(int n, FromGuestPath from, Virtqueue tq, QueuePair b, PacketBurst heads, boolean withHeads,
                      VhostUserNetDevice peer) {
        GuestMemory src = srcMemory;
        GuestMemory dst = dstMemory;
        MemorySegment headData = heads.data();
        long bytes = 0;
        try {
            // first one 8-byte store into each frame's first line in B, from a loop this small: B's driver read the
            // last frame there, so each store has to take the line from the guest's core first; issued from the
            // copy loop below, whose copy call per frame is long, the core had one or two of those transfers in
            // flight at a time, from here many (docs/benchmarks.md, "Session 13")
            for (int k = 0; k < n; k++) {
                if (lengths[k] >= 8) {
                    dst.regionSegment(dstRegions[k]).set(LONG, dstOffsets[k] + VirtioNetHeader.SIZE,
                            src.regionSegment(srcRegions[k]).get(LONG, srcOffsets[k]));
                }
            }
            for (int k = 0; k < n; k++) {
                MemorySegment to = dst.regionSegment(dstRegions[k]);
                long at = dstOffsets[k];
                int length = lengths[k];
                // written only where it differs: see CopyBatch#copyToGuest
                if (to.get(LONG, at) != 0L) {
                    to.set(LONG, at, 0L);
                }
                if (to.get(HEADER_4, at + 8) != CSUM_OFFSET_0_NUM_BUFFERS_1) {
                    to.set(HEADER_4, at + 8, CSUM_OFFSET_0_NUM_BUFFERS_1);
                }
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
                giveBack(from, tq, k, 0);
                giveBack(b, k, 0);
            }
            throw new GuestFault(peer, e, senders);
        }
    }

    /**
     * Copies the frames of A's chains {@code first..taken-1} of the batch into {@code burst} and gives the chains
     * back (plain records by their recorded ranges, chains the general way); returns the frames appended.
     */
    private int stage(FromGuestPath from, Virtqueue tq, NetRing tx, int first, int taken, PacketBurst burst,
                      ForwardCounts counts) {
        long before = burst.bytes();
        int added;
        try {
            if (plainSent) {
                MemorySegment data = burst.data();
                for (int k = first; k < taken; k++) {
                    int slot = burst.append(lengths[k]);
                    MemorySegment.copy(srcMemory.regionSegment(srcRegions[k]), srcOffsets[k], data, burst.offset(slot),
                            lengths[k]);
                    tq.addUsed(sentPlain.ids[k], 0);
                }
                added = taken - first;
            } else {
                added = from.takeFrames(tq, first, taken, burst);
            }
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
