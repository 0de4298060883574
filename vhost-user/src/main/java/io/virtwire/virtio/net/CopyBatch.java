package io.virtwire.virtio.net;

import io.virtwire.memory.GuestMemory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Frame copies between single guest buffers and a {@link PacketBurst}, planned while the chains are walked and
 * then run back to back in one loop.
 *
 * <p>Why: in a guest-to-guest loop the copies are bound by cache misses on buffers the other core (the guest's
 * driver) has just written or will read next, not by the bytes moved. Issued one after another from a loop this
 * small, the misses of many frames are in flight together; interleaved with descriptor walks and header checks,
 * as they were, they were taken almost one at a time (docs/benchmarks.md, optimisation log 13). DPDK's vhost
 * library defers its small copies into a batch for the same reason.
 *
 * <p>Only a buffer wholly inside one region is planned here ({@link io.virtwire.virtio.queue.DescriptorChain#readableRegion()});
 * anything else is copied the general way by the caller. The ranges were validated when the chains were walked,
 * and the memory table cannot change during a burst (the device holds its data-path lock), so the plain region
 * copies below stay inside the mappings.
 */
public final class CopyBatch {

    public static final int CAPACITY = 32;

    /** x86-64's and arm64's; a wrong guess costs speed only. */
    private static final long CACHE_LINE = 64;
    /** A 12-byte head as 8 + 4 bytes, moved as they are (copied, not read: no byte order). */
    private static final ValueLayout.OfLong HEAD_8 = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt HEAD_4 = ValueLayout.JAVA_INT_UNALIGNED;

    private final int[] regions = new int[CAPACITY];
    private final long[] guestOffsets = new long[CAPACITY];
    private final long[] burstOffsets = new long[CAPACITY];
    private final long[] lengths = new long[CAPACITY];
    private GuestMemory memory;
    private int count;

    /** Starts a new batch; its guest memory is that of the first copy planned. */
    public void clear() {
        this.memory = null;
        this.count = 0;
    }

    public int count() {
        return count;
    }

    /**
     * Plans a copy of {@code length} bytes between guest-physical {@code gpa}, inside region {@code region} of the
     * batch's memory, and {@code burstOffset} in the burst's data.
     *
     * @return false (nothing planned: copy it the general way) if the batch is full or {@code guestMemory} is not
     *         the memory of the copies planned before
     */
    public boolean add(GuestMemory guestMemory, int region, long gpa, long burstOffset, long length) {
        if (count == CAPACITY || (count > 0 && guestMemory != memory)) {
            return false;
        }
        memory = guestMemory;
        regions[count] = region;
        guestOffsets[count] = gpa - guestMemory.regionGpa(region);
        burstOffsets[count] = burstOffset;
        lengths[count] = length;
        count++;
        return true;
    }

    /** Runs the planned copies guest → {@code burstData}. */
    public void copyFromGuest(MemorySegment burstData) {
        GuestMemory mem = memory;
        for (int i = 0; i < count; i++) {
            MemorySegment.copy(mem.regionSegment(regions[i]), guestOffsets[i], burstData, burstOffsets[i], lengths[i]);
        }
    }

    /**
     * Runs the planned copies {@code burstData} → guest, each in two parts: the bytes before the guest buffer's
     * first cache-line boundary, then the rest from that boundary on.
     *
     * <p>Why: a store that straddles two cache lines of a buffer the guest's core holds costs far more than two
     * stores (docs/benchmarks.md, optimisation log 24), and a copy routine's wide stores follow the start of the
     * range, not the lines. A DPDK guest posts receive buffers whose frame starts on a line with the 12-byte header
     * just before it, so a copy of header and frame as one range made wide stores across line boundaries; split at
     * the line, the head (the header) lies inside one line and the rest starts on one: 5-8 % more frames in the
     * cross-connect loop on hugepages (docs/benchmarks.md, "Session 9"). A buffer that starts on a line has no
     * head: one copy, as before.
     *
     * <p>The head is written only where it differs from what the buffer holds (DPDK's vhost library does the same,
     * ASSIGN_UNLESS_EQUAL). A recycled receive buffer usually holds the header its last frame had (no offloads,
     * num_buffers 1), and the guest's driver read it: an unconditional store turned that shared line into one
     * modified in our core, and the driver's next read of the header a miss to our core. With a DPDK guest on
     * 2 MiB pages that read was a fifth of the guest's receive time; written only where it differs, 3 %
     * (docs/benchmarks.md, "Session 13").
     */
    public void copyToGuest(MemorySegment burstData) {
        GuestMemory mem = memory;
        for (int i = 0; i < count; i++) {
            MemorySegment guest = mem.regionSegment(regions[i]);
            long to = guestOffsets[i];
            long from = burstOffsets[i];
            long length = lengths[i];
            long head = Math.min(length, -(guest.address() + to) & (CACHE_LINE - 1));
            if (head == VirtioNetHeader.SIZE) {
                // the usual head (a frame on a line, its header before it) in two plain stores: as a copy of its
                // own it cost more than the split gained (range and overlap checks of a copy, per frame)
                long head8 = burstData.get(HEAD_8, from);
                int head4 = burstData.get(HEAD_4, from + 8);
                if (guest.get(HEAD_8, to) != head8) {
                    guest.set(HEAD_8, to, head8);
                }
                if (guest.get(HEAD_4, to + 8) != head4) {
                    guest.set(HEAD_4, to + 8, head4);
                }
            } else if (head != 0) {
                MemorySegment.copy(burstData, from, guest, to, head);
            }
            MemorySegment.copy(burstData, from + head, guest, to + head, length - head);
        }
    }
}
