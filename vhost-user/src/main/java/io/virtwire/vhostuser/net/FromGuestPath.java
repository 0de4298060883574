package io.virtwire.vhostuser.net;

import io.virtwire.virtio.net.CopyBatch;
import io.virtwire.virtio.net.PacketBurst;
import io.virtwire.virtio.queue.ChainStatus;
import io.virtwire.virtio.queue.DescriptorChain;
import io.virtwire.virtio.queue.Virtqueue;

import java.lang.foreign.MemorySegment;

/**
 * The from-guest path of one queue pair (the guest's transmit ring, {@code 2k+1}): takes the chains the guest
 * made available, copies their frames into a {@link PacketBurst}, checks their headers by the pair's
 * {@link NetHeaderPolicy}, gives the chains back and counts on the ring. Runs under the pair's lock; allocates
 * nothing.
 */
final class FromGuestPath {

    /** Chains taken per pass; see {@link #drain}. */
    private static final int BATCH = CopyBatch.CAPACITY;

    private final NetRing ring;
    private final NetHeaderPolicy headers;
    private final BrokenLatch broken;
    private final DescriptorChain[] chains = new DescriptorChain[BATCH];
    private final CopyBatch copies = new CopyBatch();
    /** Per frame of a batch: its copy came up short (memory vanished under the chain). */
    private final boolean[] copyFailed = new boolean[BATCH];

    FromGuestPath(NetRing ring, NetHeaderPolicy headers, BrokenLatch broken) {
        this.ring = ring;
        this.headers = headers;
        this.broken = broken;
        for (int i = 0; i < BATCH; i++) {
            chains[i] = new DescriptorChain();
        }
    }

    /** Drains the ring into {@code burst} (as many frames as fit) and counts them; returns the frames appended. */
    int drain(PacketBurst burst) {
        Virtqueue q = ring.queue;
        if (q == null) {
            return 0;
        }
        long bytesBefore = burst.bytes();
        int added = 0;
        boolean any = false;
        boolean more = true;
        while (more && !burst.isFull()) {
            // Per batch: take the chains (descriptor reads), then copy the frames in one tight loop (CopyBatch),
            // then check headers and return the chains. A pass loading one byte of each frame first (a stand-in
            // for DPDK's prefetch) gained nothing (docs/benchmarks.md, optimisation log 2).
            int want = Math.min(BATCH, burst.capacity() - burst.count());
            int taken = pop(q, want);
            if (taken < 0) {
                return count(added, burst, bytesBefore); // the queue is latched broken: nothing more used on it
            }
            more = taken == want;
            added += takeFrames(q, 0, taken, burst);
            any |= taken > 0;
        }
        if (any) {
            q.publishUsed();
            ring.notifyGuest(broken);
        }
        return count(added, burst, bytesBefore);
    }

    /**
     * Takes up to {@code want} chains into {@link #chains()}; returns how many, fewer when the guest has no more, or
     * -1 if the ring is malformed (latched broken: nothing more is used or published on it).
     */
    int pop(Virtqueue q, int want) {
        q.prefetch(want);
        int taken = 0;
        while (taken < want) {
            ChainStatus s = q.pop(chains[taken]);
            if (s == ChainStatus.END) {
                break;
            }
            if (s == ChainStatus.MALFORMED) {
                broken.mark("ring " + ring.index + ": " + q.brokenReason());
                return -1;
            }
            taken++;
        }
        return taken;
    }

    /** The chains of the last {@link #pop}: the caller's until it gives them back (under the pair's lock). */
    DescriptorChain[] chains() {
        return chains;
    }

    /** Counts the frames appended on the ring: bytes from the burst's running total, not summed again. */
    private int count(int added, PacketBurst burst, long bytesBefore) {
        ring.frames += added;
        ring.bytes += burst.bytes() - bytesBefore;
        return added;
    }

    /**
     * Copies the frames of chains {@code from..taken-1} into {@code burst}, checks their headers and returns the chains to
     * the guest; returns the frames appended. Frames that are one buffer in one region (the usual case) are copied
     * together by {@link #copies}; the rest the general way. A frame dropped after its copy (short copy, refused
     * header) leaves a gap that the following frames close, so the burst keeps the guest's order.
     */
    int takeFrames(Virtqueue q, int from, int taken, PacketBurst burst) {
        int first = burst.count();
        int headerSize = headers.headerSize();
        boolean headerIgnored = headers.headerIgnored();
        CopyBatch batch = copies;
        batch.clear();
        MemorySegment data = burst.data();
        for (int i = from; i < taken; i++) {
            DescriptorChain chain = chains[i];
            long readable = chain.readableBytes();
            long frameLength = readable - headerSize;
            if (frameLength <= 0 || frameLength > burst.slotSize()) {
                ring.dropped++;
                continue;
            }
            // with offloads, header and frame in one copy: the header lands in the slot's headroom, where it is
            // checked; without, the frame alone (the burst's header stays zero)
            int slot = burst.append((int) frameLength);
            long skip = headerIgnored ? headerSize : 0;
            long at = burst.offset(slot) - headerSize + skip;
            long length = readable - skip;
            int region = chain.readableRegion();
            boolean planned = region >= 0 && batch.add(chain.memory(), region, chain.segmentAddress(0) + skip, at, length);
            copyFailed[slot - first] = !planned && chain.copyFromReadable(skip, data, at, length) != length;
        }
        batch.copyFromGuest(data);
        int kept = first;
        for (int slot = first; slot < burst.count(); slot++) {
            if (copyFailed[slot - first] || (!headerIgnored && !headers.acceptFromGuest(burst, slot))) {
                ring.dropped++;
                continue;
            }
            if (kept != slot) {
                burst.moveFrame(slot, kept);
            }
            kept++;
        }
        burst.truncate(kept);
        for (int i = from; i < taken; i++) {
            q.addUsed(chains[i], 0);
        }
        return kept - first;
    }
}
