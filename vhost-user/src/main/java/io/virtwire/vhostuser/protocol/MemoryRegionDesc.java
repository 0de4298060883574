package io.virtwire.vhostuser.protocol;

/**
 * One memory region as described on the wire (spec: "Memory region description", 4 x u64).
 * Checked like rust-vmm's {@code VhostUserMemoryRegion::is_valid_common}: non-zero size, and neither the
 * guest range nor the user range may wrap around 2^64. The mmap offset is checked by the requests that map
 * the region ({@link MemoryTable}, ADD_MEM_REG), because REM_MEM_REG ignores it.
 *
 * @param gpa        guest-physical start address
 * @param size       length in bytes, unsigned
 * @param userAddr   the front-end's virtual address of the start (ring addresses arrive in this space)
 * @param mmapOffset offset of the region in the fd passed with it
 */
public record MemoryRegionDesc(long gpa, long size, long userAddr, long mmapOffset) {

    public MemoryRegionDesc {
        if (size == 0) {
            throw new IllegalArgumentException("memory region at gpa " + Unsigned.hex(gpa) + " has size 0");
        }
        if (Unsigned.rangeWraps(gpa, size)) {
            throw new IllegalArgumentException("memory region gpa " + Unsigned.hex(gpa) + " + size " + Unsigned.hex(size)
                    + " wraps around 2^64");
        }
        if (Unsigned.rangeWraps(userAddr, size)) {
            throw new IllegalArgumentException("memory region user address " + Unsigned.hex(userAddr) + " + size "
                    + Unsigned.hex(size) + " wraps around 2^64");
        }
    }

    /** Throws unless [mmapOffset, mmapOffset + size) fits in 64 bits, i.e. the region can be mapped from its fd. */
    public void checkMappable() {
        if (Unsigned.rangeWraps(mmapOffset, size)) {
            throw new IllegalArgumentException("memory region mmap offset " + Unsigned.hex(mmapOffset) + " + size "
                    + Unsigned.hex(size) + " wraps around 2^64");
        }
    }

    public boolean overlapsGpa(MemoryRegionDesc other) {
        return Unsigned.rangesOverlap(gpa, size, other.gpa, other.size);
    }

    @Override
    public String toString() {
        return "MemoryRegionDesc[gpa=" + Unsigned.hex(gpa) + ", size=" + Unsigned.hex(size) + ", userAddr="
                + Unsigned.hex(userAddr) + ", mmapOffset=" + Unsigned.hex(mmapOffset) + "]";
    }
}
