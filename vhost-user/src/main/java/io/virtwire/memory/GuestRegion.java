package io.virtwire.memory;

import java.lang.foreign.MemorySegment;

/**
 * One region of guest RAM as the backend sees it.
 *
 * @param gpa      guest-physical start address
 * @param size     length in bytes (non-zero)
 * @param userAddr the frontend's (QEMU's) virtual address of the start; ring addresses arrive in this space
 * @param segment  our mapping of exactly [gpa, gpa + size); its length must equal {@code size}
 * @param pageSize the size of the pages backing the mapping (2 MiB or 1 GiB on hugetlbfs), 0 when not known
 */
public record GuestRegion(long gpa, long size, long userAddr, MemorySegment segment, long pageSize) {

    /** A region whose page size is not known. */
    public GuestRegion(long gpa, long size, long userAddr, MemorySegment segment) {
        this(gpa, size, userAddr, segment, 0);
    }

    public GuestRegion {
        if (size <= 0) {
            throw new IllegalArgumentException("guest region at gpa 0x" + Long.toHexString(gpa) + " has size " + size + ": must be > 0");
        }
        if (Long.compareUnsigned(gpa, -size) > 0) {
            throw new IllegalArgumentException("guest region gpa 0x" + Long.toHexString(gpa) + " + size 0x" + Long.toHexString(size) + " overflows 64 bits");
        }
        if (Long.compareUnsigned(userAddr, -size) > 0) {
            throw new IllegalArgumentException("guest region user address 0x" + Long.toHexString(userAddr) + " + size 0x" + Long.toHexString(size) + " overflows 64 bits");
        }
        if (segment.byteSize() != size) {
            throw new IllegalArgumentException("guest region mapping is " + segment.byteSize() + " bytes, region size is " + size);
        }
        if (pageSize < 0) {
            throw new IllegalArgumentException("guest region page size " + pageSize + " is negative");
        }
    }

    /** Exclusive end, as an unsigned 64-bit value. */
    public long gpaEnd() {
        return gpa + size;
    }

    public boolean containsGpa(long addr) {
        return Long.compareUnsigned(addr, gpa) >= 0 && Long.compareUnsigned(addr - gpa, size) < 0;
    }

    public boolean containsUserAddr(long addr) {
        return Long.compareUnsigned(addr, userAddr) >= 0 && Long.compareUnsigned(addr - userAddr, size) < 0;
    }
}
