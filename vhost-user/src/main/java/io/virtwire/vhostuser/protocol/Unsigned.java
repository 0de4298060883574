package io.virtwire.vhostuser.protocol;

/** Unsigned 64-bit range arithmetic for wire values (Java has no u64; Rust code uses checked_add here). */
final class Unsigned {

    private Unsigned() {
    }

    /**
     * True if the byte range [start, start + size) does not fit in the 64-bit address space, i.e. its last
     * byte {@code start + size - 1} wraps around. A range ending exactly at 2^64 fits.
     */
    static boolean rangeWraps(long start, long size) {
        return size != 0 && Long.compareUnsigned(start, -size) > 0;
    }

    /** True if two non-empty, non-wrapping ranges share a byte. */
    static boolean rangesOverlap(long startA, long sizeA, long startB, long sizeB) {
        // a starts before b ends and b starts before a ends; compare offsets to avoid computing 2^64
        return Long.compareUnsigned(startB - startA, sizeA) < 0 || Long.compareUnsigned(startA - startB, sizeB) < 0;
    }

    static String hex(long value) {
        return "0x" + Long.toHexString(value);
    }
}
