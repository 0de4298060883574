package io.virtwire.virtio.queue;

import io.virtwire.memory.GuestMemory;

import java.lang.foreign.MemorySegment;

import static io.virtwire.virtio.queue.RingLayout.DESC_ADDR;
import static io.virtwire.virtio.queue.RingLayout.DESC_LEN;
import static io.virtwire.virtio.queue.RingLayout.DESC_SIZE;
import static io.virtwire.virtio.queue.RingLayout.U16;
import static io.virtwire.virtio.queue.RingLayout.U32;
import static io.virtwire.virtio.queue.RingLayout.U64;

/**
 * One 16-byte descriptor as it was read from guest memory, exactly once: the walkers validate these fields, never
 * the ring again (no TOCTOU). Split and packed rings name the last two 16-bit words differently (split:
 * flags/next; packed: id/flags), so {@link #nextOrId} is split's {@code next} or packed's buffer ID.
 *
 * <p>A mutable value, reused by one walker for every descriptor it reads, so walking allocates nothing.
 */
final class Descriptor {

    long addr;
    /** Unsigned 32-bit length, widened. */
    long len;
    int flags;
    int nextOrId;

    /** For a descriptor in an indirect table that straddles two guest memory regions. */
    private final MemorySegment scratch = MemorySegment.ofArray(new byte[DESC_SIZE]);

    /** Reads a split-ring descriptor at {@code off} of an already validated descriptor table. */
    void readSplit(MemorySegment table, long off) {
        addr = table.get(U64, off + DESC_ADDR);
        len = Integer.toUnsignedLong(table.get(U32, off + DESC_LEN));
        flags = Short.toUnsignedInt(table.get(U16, off + SplitRingLayout.DESC_FLAGS));
        nextOrId = Short.toUnsignedInt(table.get(U16, off + SplitRingLayout.DESC_NEXT));
    }

    /** Reads a packed-ring descriptor at {@code off}; {@code knownFlags} ≥ 0: flags the queue already read. */
    void readPacked(MemorySegment ring, long off, int knownFlags) {
        addr = ring.get(U64, off + DESC_ADDR);
        len = Integer.toUnsignedLong(ring.get(U32, off + DESC_LEN));
        nextOrId = Short.toUnsignedInt(ring.get(U16, off + PackedRingLayout.DESC_ID));
        flags = knownFlags >= 0 ? knownFlags : Short.toUnsignedInt(ring.get(U16, off + PackedRingLayout.DESC_FLAGS));
    }

    /**
     * Reads the indirect-table entry at {@code gpa}, in two pieces if it straddles regions; {@code packed} selects
     * the packed layout of the last two words. False (and nothing read) if any byte is unmapped.
     */
    boolean readAt(GuestMemory mem, long gpa, boolean packed) {
        int region = mem.regionIndex(gpa);
        if (region < 0) {
            return false;
        }
        MemorySegment src;
        long off;
        if (mem.regionEnd(region) - gpa >= DESC_SIZE) {
            src = mem.regionSegment(region);
            off = gpa - mem.regionGpa(region);
        } else {
            if (GuestCopy.fromGuest(mem, gpa, scratch, 0, DESC_SIZE) != DESC_SIZE) {
                return false;
            }
            src = scratch;
            off = 0;
        }
        addr = src.get(U64, off + DESC_ADDR);
        len = Integer.toUnsignedLong(src.get(U32, off + DESC_LEN));
        int word12 = Short.toUnsignedInt(src.get(U16, off + 12));
        int word14 = Short.toUnsignedInt(src.get(U16, off + 14));
        flags = packed ? word14 : word12;
        nextOrId = packed ? word12 : word14;
        return true;
    }
}
