package io.virtwire.vhostuser.backend;

import io.virtwire.memory.GuestMemory;
import io.virtwire.vhostuser.protocol.VringAddr;
import io.virtwire.virtio.queue.IovaMemory;
import io.virtwire.virtio.queue.MappedQueue;
import io.virtwire.virtio.queue.PackedQueue;
import io.virtwire.virtio.queue.PackedRingLayout;
import io.virtwire.virtio.queue.SplitQueue;
import io.virtwire.virtio.queue.SplitRingLayout;

/**
 * The two memory models a ring can be built on, and all that differs between them: how SET_VRING_ADDR's addresses
 * become the queue's, whether a ring part may still be missing, and which queue constructor takes the memory.
 * Everything else about starting a ring is the same for both and lives once, in {@link QueueAssembler}.
 */
sealed interface RingMemory permits RingMemory.Plain, RingMemory.Translated {

    /** Where a ring's parts are, in the address space its queue reads (guest-physical, or IOVA). */
    record Addresses(long desc, long avail, long used) {
    }

    /** A ring part not translated yet: the first address, and whether the device needs to write it. */
    record Miss(long iova, boolean write) {
    }

    Addresses locate(VringAddr addr);

    /** The first ring part address this memory cannot reach with the permission it needs, or null. */
    Miss firstMissing(Addresses at, int size, boolean packed);

    /** The split or packed queue over this memory; the two queue types take each model by its own constructor. */
    default MappedQueue queue(boolean packed, int size, Addresses at, boolean eventIdx) {
        return switch (this) {
            case Plain p -> packed
                    ? new PackedQueue(size, at.desc(), at.avail(), at.used(), eventIdx, p.memory())
                    : new SplitQueue(size, at.desc(), at.avail(), at.used(), eventIdx, p.memory());
            case Translated t -> packed
                    ? new PackedQueue(size, at.desc(), at.avail(), at.used(), eventIdx, t.iova())
                    : new SplitQueue(size, at.desc(), at.avail(), at.used(), eventIdx, t.iova());
        };
    }

    /** No IOMMU: SET_VRING_ADDR carries the front-end's virtual addresses, translated once to guest-physical. */
    record Plain(GuestMemory memory) implements RingMemory {

        /** @throws io.virtwire.memory.GuestMemoryException if an address is in no region */
        @Override
        public Addresses locate(VringAddr addr) {
            return new Addresses(memory.userAddrToGpa(addr.descUserAddr()), memory.userAddrToGpa(addr.availUserAddr()),
                    memory.userAddrToGpa(addr.usedUserAddr()));
        }

        @Override
        public Miss firstMissing(Addresses at, int size, boolean packed) {
            return null; // a part outside guest memory is refused by the queue constructor, with the part named
        }
    }

    /**
     * VIRTIO_F_ACCESS_PLATFORM: SET_VRING_ADDR carries IOVAs (QEMU passes the guest's DMA addresses), each part
     * reachable only with the permission the device needs, through the IOTLB views in {@code iova}.
     */
    record Translated(IovaMemory iova) implements RingMemory {

        @Override
        public Addresses locate(VringAddr addr) {
            return new Addresses(addr.descUserAddr(), addr.availUserAddr(), addr.usedUserAddr());
        }

        /**
         * The device reads the descriptors and the avail ring (driver event area) and writes the used ring (device
         * event area); a packed ring's descriptors are written too, since used descriptors go back in place.
         */
        @Override
        public Miss firstMissing(Addresses at, int size, boolean packed) {
            long descLen = packed ? PackedRingLayout.descRingSize(size) : SplitRingLayout.descTableSize(size);
            long availLen = packed ? PackedRingLayout.EVENT_SIZE : SplitRingLayout.availRingSize(size);
            long usedLen = packed ? PackedRingLayout.EVENT_SIZE : SplitRingLayout.usedRingSize(size);
            Miss miss = missing(iova.readable(), at.desc(), descLen, false);
            if (miss == null && packed) {
                miss = missing(iova.writable(), at.desc(), descLen, true);
            }
            if (miss == null) {
                miss = missing(iova.readable(), at.avail(), availLen, false);
            }
            if (miss == null) {
                miss = missing(iova.writable(), at.used(), usedLen, true);
            }
            return miss;
        }

        private static Miss missing(GuestMemory view, long iova, long length, boolean write) {
            long first = IovaMemory.firstUnmapped(view, iova, length);
            return first < 0 ? null : new Miss(first, write);
        }
    }
}
