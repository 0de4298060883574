package io.virtwire.virtio.queue;

import io.virtwire.memory.GuestMemory;

import java.lang.foreign.MemorySegment;

/**
 * Resolves a ring part to one slice of one region, once per (re)configuration. Like DPDK's
 * {@code vring_translate} and libvhost-user's {@code map_ring}, a ring part must be contiguous in our mapping,
 * so one that crosses into an adjacent region is refused rather than read piecewise on every access.
 */
final class RingMapping {

    private RingMapping() {
    }

    static void checkAlignment(String part, long gpa, int alignment) {
        if ((gpa & (alignment - 1)) != 0) {
            throw new QueueConfigException(part + " gpa 0x" + Long.toHexString(gpa) + " is not " + alignment + "-byte aligned");
        }
    }

    static MemorySegment resolve(GuestMemory memory, String part, long gpa, long length) {
        int region = memory.regionIndex(gpa);
        if (region < 0) {
            throw new QueueConfigException(part + " gpa 0x" + Long.toHexString(gpa) + " is outside guest memory");
        }
        long available = memory.regionEnd(region) - gpa;
        if (Long.compareUnsigned(length, available) > 0) {
            throw new QueueConfigException(part + " gpa 0x" + Long.toHexString(gpa) + " length " + length
                    + " does not fit in one guest memory region (region ends at 0x" + Long.toHexString(memory.regionEnd(region)) + ")");
        }
        return memory.regionSegment(region).asSlice(gpa - memory.regionGpa(region), length);
    }
}
