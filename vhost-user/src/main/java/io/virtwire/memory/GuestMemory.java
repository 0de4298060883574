package io.virtwire.memory;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * An immutable snapshot of the guest's memory table: translation from guest-physical addresses to our
 * mappings, and from the frontend's virtual addresses (ring addresses) to guest-physical ones.
 *
 * <p>Everything a guest hands us is an untrusted (address, length) pair. Translation therefore never
 * returns more than the region holds: {@link #translate} clamps at the region's end and the caller loops
 * for the rest, the way libvhost-user's {@code vu_gpa_to_va} does, so a buffer that spans two regions
 * still works and one that leaves guest memory fails.
 *
 * <p>The data path uses {@link #regionIndex(long)} plus the per-region accessors, which allocate nothing;
 * {@link #translate} allocates a slice and is meant for the control plane and tests.
 */
public final class GuestMemory {

    /** Above this many regions a binary search beats the linear scan (DPDK uses 256 guest pages; regions are far fewer). */
    private static final int LINEAR_SCAN_LIMIT = 8;

    private static final GuestMemory EMPTY = new GuestMemory(List.of());
    /** The smallest huge page (x86-64, arm64 with 4 KiB base pages). */
    public static final long HUGE_PAGE = 2L << 20;

    private final GuestRegion[] regions;
    private final long[] starts;
    private final long[] ends;
    private final boolean onHugePages;

    public GuestMemory(List<GuestRegion> regionList) {
        GuestRegion[] sorted = regionList.toArray(GuestRegion[]::new);
        java.util.Arrays.sort(sorted, Comparator.comparingLong(GuestRegion::gpa));
        for (int i = 1; i < sorted.length; i++) {
            if (Long.compareUnsigned(sorted[i - 1].gpaEnd(), sorted[i].gpa()) > 0) {
                throw new IllegalArgumentException("guest regions overlap: gpa 0x" + Long.toHexString(sorted[i - 1].gpa())
                        + "+0x" + Long.toHexString(sorted[i - 1].size()) + " and 0x" + Long.toHexString(sorted[i].gpa()));
            }
        }
        this.regions = sorted;
        this.starts = new long[sorted.length];
        this.ends = new long[sorted.length];
        for (int i = 0; i < sorted.length; i++) {
            starts[i] = sorted[i].gpa();
            ends[i] = sorted[i].gpaEnd();
        }
        boolean huge = sorted.length > 0;
        for (GuestRegion r : sorted) {
            huge &= r.pageSize() >= HUGE_PAGE;
        }
        this.onHugePages = huge;
    }

    /** Whether every region is known to be on pages of at least {@link #HUGE_PAGE} (false for no regions). */
    public boolean onHugePages() {
        return onHugePages;
    }

    public static GuestMemory empty() {
        return EMPTY;
    }

    public int regionCount() {
        return regions.length;
    }

    public GuestRegion region(int index) {
        return regions[index];
    }

    public List<GuestRegion> regions() {
        return List.of(regions);
    }

    /** Index of the region holding {@code gpa}, or -1. Allocation-free. */
    public int regionIndex(long gpa) {
        final long[] s = starts;
        final long[] e = ends;
        if (s.length <= LINEAR_SCAN_LIMIT) {
            for (int i = 0; i < s.length; i++) {
                if (Long.compareUnsigned(gpa, s[i]) >= 0 && Long.compareUnsigned(gpa, e[i]) < 0) {
                    return i;
                }
            }
            return -1;
        }
        int lo = 0;
        int hi = s.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(gpa, s[mid]) < 0) {
                hi = mid - 1;
            } else if (Long.compareUnsigned(gpa, e[mid]) >= 0) {
                lo = mid + 1;
            } else {
                return mid;
            }
        }
        return -1;
    }

    /** The mapping of region {@code index}; offset 0 is the region's first guest-physical byte. */
    public MemorySegment regionSegment(int index) {
        return regions[index].segment();
    }

    public long regionGpa(int index) {
        return starts[index];
    }

    /** Exclusive end of region {@code index}. */
    public long regionEnd(int index) {
        return ends[index];
    }

    /**
     * The host mapping of up to {@code len} bytes at {@code gpa}, clamped at the end of the region that holds
     * {@code gpa}; the returned slice may be shorter than {@code len}, never longer.
     *
     * @throws GuestMemoryException if {@code gpa} is in no region or {@code len} is negative
     */
    public MemorySegment translate(long gpa, long len) {
        if (len < 0) {
            throw new GuestMemoryException("negative length " + len + " at gpa 0x" + Long.toHexString(gpa));
        }
        int i = regionIndex(gpa);
        if (i < 0) {
            throw new GuestMemoryException("gpa 0x" + Long.toHexString(gpa) + " is outside guest memory");
        }
        long offset = gpa - starts[i];
        long available = ends[i] - gpa;
        return regions[i].segment().asSlice(offset, Long.compareUnsigned(len, available) < 0 ? len : available);
    }

    /**
     * Every host slice covering [gpa, gpa + len), split at region boundaries.
     *
     * @throws GuestMemoryException if any byte of the range is outside guest memory or the range wraps
     */
    public List<MemorySegment> translateAll(long gpa, long len) {
        if (len < 0 || Long.compareUnsigned(gpa, -len) > 0 && len != 0) {
            throw new GuestMemoryException("range gpa 0x" + Long.toHexString(gpa) + " length " + len + " wraps around");
        }
        List<MemorySegment> out = new ArrayList<>(2);
        long at = gpa;
        long left = len;
        while (left > 0) {
            MemorySegment s = translate(at, left);
            out.add(s);
            at += s.byteSize();
            left -= s.byteSize();
        }
        return out;
    }

    /** Whether every byte of [gpa, gpa + len) is guest memory (possibly across adjacent regions). */
    public boolean isMapped(long gpa, long len) {
        if (len < 0 || (len != 0 && Long.compareUnsigned(gpa, -len) > 0)) {
            return false;
        }
        long at = gpa;
        long left = len;
        while (left > 0) {
            int i = regionIndex(at);
            if (i < 0) {
                return false;
            }
            long chunk = Math.min(left, ends[i] - at);
            at += chunk;
            left -= chunk;
        }
        return true;
    }

    /**
     * Frontend virtual address (QVA, as in SET_VRING_ADDR) to guest-physical address.
     *
     * @throws GuestMemoryException if no region holds {@code userAddr}
     */
    public long userAddrToGpa(long userAddr) {
        for (GuestRegion r : regions) {
            if (r.containsUserAddr(userAddr)) {
                return r.gpa() + (userAddr - r.userAddr());
            }
        }
        throw new GuestMemoryException("frontend address 0x" + Long.toHexString(userAddr) + " is in no memory region");
    }
}
