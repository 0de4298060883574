package io.virtwire.virtio.queue;

import io.virtwire.memory.GuestMemory;

import java.lang.foreign.MemorySegment;

import static io.virtwire.virtio.queue.RingLayout.DESC_SIZE;
import static io.virtwire.virtio.queue.RingLayout.F_INDIRECT;
import static io.virtwire.virtio.queue.RingLayout.F_NEXT;

/**
 * Walks a packed-ring chain into a {@link DescriptorChain}: chained descriptors occupy the slots after the first,
 * wrapping at the ring's end; the buffer ID is the last one's; an indirect descriptor ends the chain and its table
 * is used in order, all of its entries (NEXT inside it carries no meaning). Loop guard: at most as many slots as
 * the ring has. Each ring descriptor is kept, as read, for inflight tracking ({@link DescriptorChain#ringDescriptorAddress}).
 * One walker per queue; it belongs to the queue's thread.
 */
final class PackedChainWalker {

    private final Descriptor d = new Descriptor();

    /**
     * Walks the chain whose first descriptor sits in slot {@code start} of {@code ring} and whose flags the queue
     * already read ({@code headFlags}, checked to be available). {@code ring} holds {@code ringLength} descriptors
     * (the queue's ring, or a copy of one chain's descriptors kept for inflight resubmission); {@code size} is the
     * queue size the rules are checked against.
     */
    ChainStatus walk(DescriptorChain chain, GuestMemory mem, GuestMemory writeMem, boolean iommu, MemorySegment ring,
                     int ringLength, int size, int start, int headFlags) {
        chain.begin(ChainStatus.OK, mem, writeMem, iommu);
        int slot = start;
        int slots = 0;
        while (true) {
            if (slots == ringLength) {
                return chain.malformed("descriptor loop: packed chain longer than queue size " + size + " at slot " + start);
            }
            d.readPacked(ring, (long) slot * DESC_SIZE, slots == 0 ? headFlags : -1);
            chain.keepRingDescriptor(slots, d);
            slots++;
            chain.taken(d.nextOrId, 0);
            if ((d.flags & F_INDIRECT) != 0) {
                String bad = chain.checkIndirectTable(d, mem, size, start);
                if (bad == null) {
                    bad = walkIndirect(chain, mem, size, start);
                }
                if (bad != null) {
                    return chain.malformed(bad);
                }
                chain.taken(chain.id(), slots);
                return ChainStatus.OK;
            }
            String bad = chain.addSegment(d, mem, size, start);
            if (bad != null) {
                return chain.malformed(bad);
            }
            if ((d.flags & F_NEXT) == 0) {
                chain.taken(chain.id(), slots);
                return ChainStatus.OK;
            }
            if (++slot == ringLength) {
                slot = 0;
            }
        }
    }

    /** The indirect table {@link #d} names (already checked), entry by entry; an error message, or null. */
    private String walkIndirect(DescriptorChain chain, GuestMemory mem, int size, int start) {
        long tableGpa = d.addr;
        int entries = (int) (d.len / DESC_SIZE);
        for (int i = 0; i < entries; i++) {
            long gpa = tableGpa + (long) i * DESC_SIZE;
            if (!d.readAt(mem, gpa, true)) {
                return "indirect table entry at gpa 0x" + Long.toHexString(gpa) + " left guest memory, slot " + start;
            }
            if ((d.flags & F_INDIRECT) != 0) {
                return "nested indirect descriptor inside the indirect table at gpa 0x" + Long.toHexString(tableGpa) + ", slot " + start;
            }
            String bad = chain.addSegment(d, mem, size, start);
            if (bad != null) {
                return bad;
            }
        }
        return null;
    }
}
