package io.virtwire.vhostuser.memory;

import io.virtwire.memory.GuestMemoryException;

/**
 * One region as SET_MEM_TABLE and ADD_MEM_REG describe it (all u64 on the wire). The compact constructor makes
 * the overflow checks DPDK learned from its CVEs: every end address must fit in 64 bits, and the file range
 * must fit in a signed off_t.
 *
 * @param gpa        guest-physical start
 * @param size       length in bytes
 * @param userAddr   the frontend's virtual address of the start (ring addresses arrive in this space)
 * @param mmapOffset where the region starts in the file the region's descriptor refers to
 */
public record RegionDescription(long gpa, long size, long userAddr, long mmapOffset) {

    public RegionDescription {
        if (size == 0) {
            throw new GuestMemoryException("memory region at gpa 0x" + Long.toHexString(gpa) + " has size 0");
        }
        if (Long.compareUnsigned(gpa, -size) > 0) {
            throw new GuestMemoryException("memory region gpa 0x" + Long.toHexString(gpa) + " + size 0x"
                    + Long.toHexString(size) + " overflows 64 bits");
        }
        if (Long.compareUnsigned(userAddr, -size) > 0) {
            throw new GuestMemoryException("memory region user address 0x" + Long.toHexString(userAddr) + " + size 0x"
                    + Long.toHexString(size) + " overflows 64 bits");
        }
        if (mmapOffset < 0 || size < 0 || mmapOffset + size < 0) {
            throw new GuestMemoryException("memory region mmap offset 0x" + Long.toHexString(mmapOffset) + " + size 0x"
                    + Long.toHexString(size) + " exceeds the largest file offset 2^63-1");
        }
    }

    /** Exclusive end of the region in the file: the least the file must hold. */
    public long fileEnd() {
        return mmapOffset + size;
    }

    /** Whether this describes the same region as {@code other} (REM_MEM_REG matches gpa, size and user address). */
    public boolean sameRegion(RegionDescription other) {
        return gpa == other.gpa && size == other.size && userAddr == other.userAddr;
    }

    @Override
    public String toString() {
        return "region[gpa=0x" + Long.toHexString(gpa) + ", size=0x" + Long.toHexString(size) + ", userAddr=0x"
                + Long.toHexString(userAddr) + ", mmapOffset=0x" + Long.toHexString(mmapOffset) + "]";
    }
}
