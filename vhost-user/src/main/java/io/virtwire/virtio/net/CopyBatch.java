package io.virtwire.virtio.net;

import io.virtwire.memory.GuestMemory;

import java.lang.foreign.MemorySegment;

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

    /** Runs the planned copies {@code burstData} → guest. */
    public void copyToGuest(MemorySegment burstData) {
        GuestMemory mem = memory;
        for (int i = 0; i < count; i++) {
            MemorySegment.copy(burstData, burstOffsets[i], mem.regionSegment(regions[i]), guestOffsets[i], lengths[i]);
        }
    }
}
