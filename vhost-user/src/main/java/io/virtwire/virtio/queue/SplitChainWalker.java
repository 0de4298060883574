package io.virtwire.virtio.queue;

import io.virtwire.memory.GuestMemory;

import java.lang.foreign.MemorySegment;

import static io.virtwire.virtio.queue.RingLayout.DESC_SIZE;
import static io.virtwire.virtio.queue.RingLayout.F_INDIRECT;
import static io.virtwire.virtio.queue.RingLayout.F_NEXT;

/**
 * Walks a split-ring chain into a {@link DescriptorChain}: from the head through {@code next} links in the
 * descriptor table, and through at most one indirect table. The loop guards are here (the chain's own checks, per
 * descriptor, are {@link DescriptorChain#addSegment} and {@link DescriptorChain#checkIndirectTable}):
 * <ul>
 *   <li>at most queue-size descriptors read from the table (this is the loop guard; the spec: "a driver MUST NOT
 *       create a descriptor chain longer than the Queue Size");</li>
 *   <li>inside an indirect table, at most its entry count read (its own loop guard);</li>
 *   <li>{@code next} below the queue size, or below the entry count inside an indirect table;</li>
 *   <li>no INDIRECT inside an indirect table.</li>
 * </ul>
 * One walker per queue; it belongs to the queue's thread.
 */
final class SplitChainWalker {

    private final Descriptor d = new Descriptor();

    /**
     * Walks the chain starting at descriptor {@code head} ({@code head < size}, checked by the queue) of the
     * descriptor table {@code table} (already validated to hold {@code size} descriptors); device-writable buffers
     * are checked against {@code writeMem}; {@code iommu}: an unmapped address is an IOTLB miss, not a fault.
     */
    ChainStatus walk(DescriptorChain chain, GuestMemory mem, GuestMemory writeMem, boolean iommu, MemorySegment table,
                     int size, int head) {
        chain.begin(ChainStatus.OK, mem, writeMem, iommu);
        chain.taken(head, 1);
        d.readSplit(table, (long) head * DESC_SIZE);
        if ((d.flags & (F_NEXT | F_INDIRECT)) == 0 && chain.addOnlySegment(d)) {
            return ChainStatus.OK;
        }
        return walkFromHead(chain, mem, table, size, head);
    }

    /**
     * The general walk, for chains the one-buffer fast path did not take (and to name what is wrong with a bad
     * one-buffer chain); the head descriptor is already in {@link #d}: it is read once only.
     */
    private ChainStatus walkFromHead(DescriptorChain chain, GuestMemory mem, MemorySegment table, int size, int head) {
        int index = head;
        int topLevelLeft = size - 1;
        long indirectGpa = 0;
        int indirectEntries = 0; // > 0 while walking an indirect table
        int indirectLeft = 0;
        boolean headRead = true;
        while (true) {
            if (headRead) {
                headRead = false;
            } else if (indirectEntries == 0) {
                if (topLevelLeft-- == 0) {
                    return chain.malformed("descriptor loop: chain longer than queue size " + size + " at head " + head);
                }
                d.readSplit(table, (long) index * DESC_SIZE);
            } else {
                if (indirectLeft-- == 0) {
                    return chain.malformed("descriptor loop in indirect table at gpa 0x" + Long.toHexString(indirectGpa)
                            + ": more than its " + indirectEntries + " entries, head " + head);
                }
                if (!d.readAt(mem, indirectGpa + (long) index * DESC_SIZE, false)) {
                    return chain.malformed("indirect table entry at gpa 0x"
                            + Long.toHexString(indirectGpa + (long) index * DESC_SIZE) + " left guest memory, head " + head);
                }
            }
            if ((d.flags & F_INDIRECT) != 0) {
                if (indirectEntries != 0) {
                    return chain.malformed("nested indirect descriptor inside the indirect table at gpa 0x"
                            + Long.toHexString(indirectGpa) + ", head " + head);
                }
                String bad = chain.checkIndirectTable(d, mem, size, head);
                if (bad != null) {
                    return chain.malformed(bad);
                }
                indirectGpa = d.addr;
                indirectEntries = (int) (d.len / DESC_SIZE);
                indirectLeft = indirectEntries;
                index = 0;
                continue;
            }
            String bad = chain.addSegment(d, mem, size, head);
            if (bad != null) {
                return chain.malformed(bad);
            }
            if ((d.flags & F_NEXT) == 0) {
                return ChainStatus.OK;
            }
            index = d.nextOrId;
            if (indirectEntries != 0) {
                if (index >= indirectEntries) {
                    return chain.malformed("next index " + index + " outside the indirect table of " + indirectEntries
                            + " entries, head " + head);
                }
            } else if (index >= size) {
                return chain.malformed("next index " + index + " >= queue size " + size + ", head " + head);
            }
        }
    }
}
