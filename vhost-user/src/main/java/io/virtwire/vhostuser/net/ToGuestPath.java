package io.virtwire.vhostuser.net;

import io.virtwire.virtio.net.CopyBatch;
import io.virtwire.virtio.net.PacketBurst;
import io.virtwire.virtio.net.VirtioNetHeader;
import io.virtwire.virtio.queue.ChainStatus;
import io.virtwire.virtio.queue.DescriptorChain;
import io.virtwire.virtio.queue.Virtqueue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The to-guest path of one queue pair (the guest's receive ring, {@code 2k}): delivers the frames of a
 * {@link PacketBurst} into the buffers the guest posted, each with its virtio-net header (fitted to what the
 * guest negotiated by the pair's {@link NetHeaderPolicy}), merged over several buffers when MRG_RXBUF is on.
 * A frame with no buffer now is dropped, not held. Runs under the pair's lock; allocates nothing.
 */
final class ToGuestPath {

    /**
     * Receive buffers one frame may be merged over. num_buffers allows 65535, but Linux posts buffers of at least
     * 1.5 KB (a page with big packets), so a {@link PacketBurst#SLOT_SIZE} frame needs at most 7 and a 64 KiB GSO
     * frame 44; 64 bounds the per-ring stash of taken chains.
     */
    static final int MAX_MERGED_BUFFERS = 64;

    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final NetRing ring;
    private final NetHeaderPolicy headers;
    private final BrokenLatch broken;
    /** Chains of one {@link #deliverBatch}. */
    private final DescriptorChain[] chains = new DescriptorChain[CopyBatch.CAPACITY];
    private final CopyBatch copies = new CopyBatch();
    /** The header of a frame merged over several buffers, with num_buffers set. */
    private final MemorySegment header = Arena.ofAuto().allocate(VirtioNetHeader.SIZE, 8);
    private final VirtioNetHeader headerView = new VirtioNetHeader();

    ToGuestPath(NetRing ring, NetHeaderPolicy headers, BrokenLatch broken) {
        this.ring = ring;
        this.headers = headers;
        this.broken = broken;
        for (int i = 0; i < chains.length; i++) {
            chains[i] = new DescriptorChain();
        }
    }

    /**
     * Delivers {@code burst} into the ring (started, checked by the caller): frames that cannot be delivered now
     * (no guest buffers) are dropped. Counts on the ring; the bytes from the burst's running total less what was
     * dropped, so the lengths are not summed again.
     *
     * @return frames delivered
     */
    int deliver(PacketBurst burst) {
        NetRing r = ring;
        int count = burst.count();
        int sent = 0;
        int tooBig = 0;
        long droppedBytes = 0;
        int i = 0;
        while (i < count && r.stashed == 0 && headers.headerSize() == VirtioNetHeader.SIZE) {
            int delivered = deliverBatch(burst, i);
            sent += delivered;
            i += delivered;
            if (delivered < CopyBatch.CAPACITY) {
                break; // the rest, if any, needs the general path (or there are no buffers)
            }
        }
        for (; i < count; i++) {
            int length = burst.length(i);
            if (burst.hasOffload(i) && !headers.fitToGuest(burst, i)) {
                droppedBytes += length; // counted as dropped below
                continue;
            }
            int d = deliverOne(burst.data(), burst.offset(i), length);
            if (d < 0) {
                // no buffers or broken: drop the rest of the burst
                for (int j = i; j < count; j++) {
                    droppedBytes += burst.length(j);
                }
                break;
            }
            sent += d;
            if (d == 0) {
                tooBig++;
                droppedBytes += length;
            }
        }
        r.frames += sent;
        r.bytes += burst.bytes() - droppedBytes;
        r.tooBig += tooBig;
        r.dropped += count - sent - tooBig;
        r.queue.publishUsed();
        r.notifyGuest(broken);
        return sent;
    }

    /**
     * Delivers frames {@code from}, {@code from + 1}, ... of {@code burst} into one receive buffer each, copied
     * together by {@link #copies}, as long as they are the usual case: no offload to fit, and a buffer the guest
     * posted that holds header and frame in one region. Stops at the first frame that is not (a buffer already
     * taken for it waits in the ring's stash for {@link #deliverOne}), when the guest has no more buffers, or after
     * {@link CopyBatch#CAPACITY} frames. Only for the 12-byte header, whose num_buffers is written in place.
     *
     * @return frames delivered
     */
    private int deliverBatch(PacketBurst burst, int from) {
        Virtqueue q = ring.queue;
        DescriptorChain[] taken = chains;
        CopyBatch batch = copies;
        batch.clear();
        MemorySegment data = burst.data();
        int end = Math.min(burst.count(), from + CopyBatch.CAPACITY);
        int n = 0;
        for (int i = from; i < end && !burst.hasOffload(i); i++) {
            DescriptorChain c = taken[n];
            ChainStatus s = q.pop(c);
            if (s == ChainStatus.END) {
                break;
            }
            if (s == ChainStatus.MALFORMED) {
                broken.mark("ring " + ring.index + ": " + q.brokenReason());
                break;
            }
            long at = burst.offset(i) - VirtioNetHeader.SIZE;
            long need = VirtioNetHeader.SIZE + (long) burst.length(i);
            int region = c.writableRegion();
            if (region < 0 || c.writableBytes() < need
                    || !batch.add(c.writeMemory(), region, c.segmentAddress(c.readableCount()), at, need)) {
                stash(n); // not the usual buffer: the general path takes this frame with the chain already taken
                break;
            }
            data.set(LE_SHORT, at + VirtioNetHeader.NUM_BUFFERS, (short) 1);
            n++;
        }
        batch.copyToGuest(data);
        for (int k = 0; k < n; k++) {
            q.addUsed(taken[k], VirtioNetHeader.SIZE + (long) burst.length(from + k));
        }
        return n;
    }

    /** The chains of one batch, for a caller under the pair's lock that takes buffers itself ({@link GuestToGuestPath}). */
    DescriptorChain[] chains() {
        return chains;
    }

    /**
     * Chain {@code n} of {@link #chains()}, taken for a frame that is not the usual case, goes to the ring's stash:
     * {@link #deliver} gives it the next frame (the general way).
     */
    void stash(int n) {
        DescriptorChain c = chains[n];
        chains[n] = ring.stash[0];
        ring.stash[0] = c;
        ring.stashed = 1;
    }

    /**
     * Delivers the frame at {@code offset} of a {@link PacketBurst}'s data with the header in front of it (the
     * burst's layout; its num_buffers is ours to write).
     *
     * @return 1 delivered, 0 dropped (does not fit any buffers), -1 stop (no buffers now, or broken)
     */
    private int deliverOne(MemorySegment frames, long offset, int length) {
        NetRing r = ring;
        Virtqueue q = r.queue;
        int headerSize = headers.headerSize();
        long need = (long) headerSize + length;
        long have = 0;
        for (int i = 0; i < r.stashed; i++) {
            have += r.stash[i].writableBytes();
        }
        int limit = headers.mergeable() ? MAX_MERGED_BUFFERS : 1;
        while (have < need && r.stashed < limit) {
            DescriptorChain c = r.stash[r.stashed];
            ChainStatus s = q.pop(c);
            if (s == ChainStatus.END) {
                return -1; // keep what we took for when the guest adds more
            }
            if (s == ChainStatus.MALFORMED) {
                broken.mark("ring " + r.index + ": " + q.brokenReason());
                return -1;
            }
            r.stashed++;
            have += c.writableBytes();
        }
        if (have < need) {
            // the buffers the guest gave cannot hold this frame: drop it; without merging keep the buffer for a
            // smaller frame, with merging give them back empty (the driver drops a short buffer)
            if (headers.mergeable()) {
                r.completeStash(0);
            }
            return 0;
        }
        int used = r.stashed;
        if (used == 1) {
            // one buffer holds it all (the usual case): the header goes into the headroom in front of the frame
            // (PacketBurst.HEADROOM), and header and frame reach the guest in one copy
            DescriptorChain c = r.stash[0];
            long at = offset - headerSize;
            if (headerSize == VirtioNetHeader.SIZE) {
                frames.set(LE_SHORT, at + VirtioNetHeader.NUM_BUFFERS, (short) 1);
            } else {
                // legacy 10-byte header: the burst keeps 12 bytes in front of the frame, num_buffers last
                MemorySegment.copy(frames, offset - VirtioNetHeader.SIZE, frames, at, VirtioNetHeader.LEGACY_SIZE);
            }
            long n = c.copyToWritable(0, frames, at, need);
            q.addUsed(c, n);
            r.stashed = 0;
            return n == need ? 1 : 0;
        }
        // header first (num_buffers = chains used), then the frame, each chain filled before the next
        MemorySegment hdr = header;
        MemorySegment.copy(frames, offset - VirtioNetHeader.SIZE, hdr, 0, VirtioNetHeader.SIZE);
        headerView.wrap(hdr, 0);
        if (headerSize == VirtioNetHeader.SIZE) {
            headerView.numBuffers(used);
        }
        long written = 0;
        long frameDone = 0;
        for (int i = 0; i < used; i++) {
            DescriptorChain c = r.stash[i];
            long room = c.writableBytes();
            long inChain = 0;
            if (i == 0) {
                inChain = c.copyToWritable(0, hdr, 0, headerSize);
            }
            long n = Math.min(room - inChain, length - frameDone);
            if (n > 0) {
                inChain += c.copyToWritable(inChain, frames, offset + frameDone, n);
                frameDone += n;
            }
            q.addUsed(c, inChain);
            written += inChain;
        }
        r.stashed = 0;
        return written == need ? 1 : 0;
    }
}
