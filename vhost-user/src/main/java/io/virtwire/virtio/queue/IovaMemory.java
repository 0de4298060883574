package io.virtwire.virtio.queue;

import io.virtwire.memory.GuestMemory;

/**
 * What a queue may touch when VIRTIO_F_ACCESS_PLATFORM is negotiated: ring and buffer addresses are I/O virtual
 * addresses (IOVAs), and the device may read only what the IOMMU mapped readable and write only what it mapped
 * writable. Each view is a {@link GuestMemory} whose "guest-physical" addresses are IOVAs, built from the IOTLB.
 *
 * <p>An address missing from the view it needs is a miss, not a malformed chain: the queue reports it to
 * {@link MissListener} once, leaves the chain where it is, and answers END until it is rebuilt with a view that
 * holds the address. Without ACCESS_PLATFORM a queue is built on one {@link GuestMemory} and none of this applies.
 *
 * @param readable IOVA ranges mapped with read permission (device-readable buffers, descriptor and avail rings)
 * @param writable IOVA ranges mapped with write permission (device-writable buffers, used ring, event area)
 * @param onMiss   told about each distinct miss once per queue object
 */
public record IovaMemory(GuestMemory readable, GuestMemory writable, MissListener onMiss) {

    public IovaMemory {
        if (readable == null || writable == null || onMiss == null) {
            throw new IllegalArgumentException("IOVA memory needs a readable view, a writable view and a miss listener");
        }
    }

    /** Called on the data-path (or session) thread; must not block for long and must not throw. */
    @FunctionalInterface
    public interface MissListener {
        /**
         * @param iova  the first address of the access that is not mapped with the needed permission
         * @param write whether the device needed to write (else read)
         */
        void miss(long iova, boolean write);
    }

    /** The first address in [iova, iova + length) that {@code view} does not map, or -1 if it maps them all. */
    public static long firstUnmapped(GuestMemory view, long iova, long length) {
        long at = iova;
        long left = length;
        while (left > 0) {
            int i = view.regionIndex(at);
            if (i < 0) {
                return at;
            }
            long chunk = Math.min(left, view.regionEnd(i) - at);
            at += chunk;
            left -= chunk;
        }
        return -1;
    }
}
