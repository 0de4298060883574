package io.virtwire.vhostuser.frontend.driver;

import io.virtwire.memory.GuestMemory;

import java.lang.foreign.MemorySegment;

/** Driver-side helpers: a ring part as one slice of guest memory (control plane only: it allocates). */
final class GuestRings {

    private GuestRings() {
    }

    static MemorySegment slice(GuestMemory memory, String part, long gpa, long length) {
        MemorySegment s = memory.translate(gpa, length);
        if (s.byteSize() != length) {
            throw new IllegalArgumentException(part + " at gpa 0x" + Long.toHexString(gpa) + " length " + length
                    + " does not fit in one guest memory region");
        }
        return s;
    }
}
