package io.virtwire.virtio.queue;

import io.virtwire.memory.GuestMemory;

import java.lang.foreign.MemorySegment;

/**
 * Copies between guest-physical ranges and our own segments, one memory region at a time, so a buffer that
 * crosses from one region into the next (adjacent in GPA, separate mappings) is copied correctly. Allocates
 * nothing: it uses only {@link GuestMemory}'s index accessors and {@link MemorySegment#copy}.
 */
public final class GuestCopy {

    private GuestCopy() {
    }

    /**
     * Copies up to {@code length} bytes from guest memory at {@code gpa} into {@code dst}.
     *
     * @return the bytes copied; less than {@code length} only if the range leaves guest memory
     */
    public static long fromGuest(GuestMemory memory, long gpa, MemorySegment dst, long dstOffset, long length) {
        long done = 0;
        while (done < length) {
            long at = gpa + done;
            int region = memory.regionIndex(at);
            if (region < 0) {
                break;
            }
            long chunk = Math.min(length - done, memory.regionEnd(region) - at);
            MemorySegment.copy(memory.regionSegment(region), at - memory.regionGpa(region), dst, dstOffset + done, chunk);
            done += chunk;
        }
        return done;
    }

    /**
     * Copies up to {@code length} bytes from {@code src} into guest memory at {@code gpa}.
     *
     * @return the bytes copied; less than {@code length} only if the range leaves guest memory
     */
    public static long toGuest(GuestMemory memory, MemorySegment src, long srcOffset, long gpa, long length) {
        long done = 0;
        while (done < length) {
            long at = gpa + done;
            int region = memory.regionIndex(at);
            if (region < 0) {
                break;
            }
            long chunk = Math.min(length - done, memory.regionEnd(region) - at);
            MemorySegment.copy(src, srcOffset + done, memory.regionSegment(region), at - memory.regionGpa(region), chunk);
            done += chunk;
        }
        return done;
    }
}
