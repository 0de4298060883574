package io.virtwire.vhostuser.frontend.driver;

import io.virtwire.memory.GuestMemory;
import io.virtwire.virtio.queue.GuestCopy;
import io.virtwire.virtio.queue.RingLayout;

import java.lang.foreign.MemorySegment;

/**
 * Writes single 16-byte descriptors anywhere in guest memory (indirect tables, which may cross a region
 * boundary), exactly as given: nothing is validated, so hostile tests can write anything.
 */
public final class DescriptorWriter {

    private DescriptorWriter() {
    }

    /** Split layout: addr, len, flags, next. */
    public static void writeSplit(GuestMemory memory, long gpa, long addr, long len, int flags, int next) {
        write(memory, gpa, addr, len, flags, next);
    }

    /** Packed layout: addr, len, id, flags. */
    public static void writePacked(GuestMemory memory, long gpa, long addr, long len, int id, int flags) {
        write(memory, gpa, addr, len, id, flags);
    }

    private static void write(GuestMemory memory, long gpa, long addr, long len, int at12, int at14) {
        MemorySegment entry = MemorySegment.ofArray(new byte[RingLayout.DESC_SIZE]);
        entry.set(RingLayout.U64, 0, addr);
        entry.set(RingLayout.U32, 8, (int) len);
        entry.set(RingLayout.U16, 12, (short) at12);
        entry.set(RingLayout.U16, 14, (short) at14);
        if (GuestCopy.toGuest(memory, entry, 0, gpa, RingLayout.DESC_SIZE) != RingLayout.DESC_SIZE) {
            throw new IllegalArgumentException("descriptor at gpa 0x" + Long.toHexString(gpa) + " is not inside guest memory");
        }
    }
}
