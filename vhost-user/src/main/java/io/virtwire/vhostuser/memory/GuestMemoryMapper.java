package io.virtwire.vhostuser.memory;

import io.virtwire.linux.ErrnoException;
import io.virtwire.linux.Fd;
import io.virtwire.linux.FileStat;
import io.virtwire.linux.Mman;
import io.virtwire.memory.GuestMemoryException;
import io.virtwire.memory.GuestRegion;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Maps the regions of SET_MEM_TABLE / ADD_MEM_REG into {@link MemoryTable}s.
 *
 * <p>Each region's file is mapped from offset 0 for {@code mmapOffset + size} bytes and sliced at
 * {@code mmapOffset}, as libvhost-user and DPDK do: mmap needs a page-aligned offset (a hugepage-aligned one on
 * hugetlbfs) and the frontend's offset need not be. The length is rounded up to the file's block size
 * (st_blksize, the hugepage size on hugetlbfs), because munmap of a hugetlbfs mapping must cover whole hugepages.
 *
 * <p>The descriptors are only borrowed: a mapping outlives its descriptor, so the caller closes them after the call.
 *
 * <p>A file shorter than its region is rejected here. A frontend that shrinks the file later makes accesses past
 * the new end fault; the JVM reports that as {@link InternalError} ("a fault occurred in an unsafe memory access"),
 * which the data path must catch and treat as a broken device.
 */
public final class GuestMemoryMapper {

    private GuestMemoryMapper() {
    }

    /**
     * A new table from a full SET_MEM_TABLE. On failure nothing stays mapped.
     *
     * @throws GuestMemoryException if a region is inconsistent (fd count, overlap, file too small)
     * @throws ErrnoException       if mmap or fstat fails
     */
    public static MemoryTable map(List<RegionDescription> regions, List<Fd> fds) throws ErrnoException {
        if (regions.size() != fds.size()) {
            throw new GuestMemoryException("memory table has " + regions.size() + " regions but came with "
                    + fds.size() + " file descriptors; each region needs exactly one");
        }
        List<MappedRegion> mapped = new ArrayList<>(regions.size());
        try {
            for (int i = 0; i < regions.size(); i++) {
                mapped.add(mapRegion(regions.get(i), fds.get(i)));
            }
            return newTable(mapped);
        } catch (ErrnoException | RuntimeException e) {
            mapped.forEach(MappedRegion::release);
            throw e;
        }
    }

    /**
     * ADD_MEM_REG: a new table holding {@code current}'s regions plus one more. {@code current} stays valid
     * (retire it once the queues are paused); the regions they share stay mapped until both are closed.
     */
    public static MemoryTable add(MemoryTable current, RegionDescription region, Fd fd) throws ErrnoException {
        requireOpen(current);
        MappedRegion added = mapRegion(region, fd);
        List<MappedRegion> next = new ArrayList<>(current.regionCount() + 1);
        try {
            for (MappedRegion r : current.mappedRegions()) {
                next.add(r.acquire());
            }
            next.add(added);
            int[] holds = java.util.Arrays.copyOf(current.holdCounts(), next.size());
            holds[holds.length - 1] = 1;
            return newTable(next, holds);
        } catch (RuntimeException e) {
            next.forEach(MappedRegion::release);
            if (!next.contains(added)) {
                added.release();
            }
            throw e;
        }
    }

    /**
     * Whether a SET_MEM_TABLE of {@code regions} over {@code fds} repeats {@code current} exactly: same regions in
     * the same order, every field equal, each over the same file. DPDK's vhost_user_set_mem_table takes an
     * unchanged table as a no-op ("memory regions not changed", compared on gpa, size and user address); this
     * check is stricter (mmap offset and file too), so a table that only looks the same is still remapped.
     */
    public static boolean sameTable(MemoryTable current, List<RegionDescription> regions, List<Fd> fds)
            throws ErrnoException {
        List<MappedRegion> mapped = current.mappedRegions();
        if (mapped.isEmpty() || mapped.size() != regions.size() || regions.size() != fds.size()) {
            return false;
        }
        for (int i = 0; i < regions.size(); i++) {
            if (!mapped.get(i).isIdentical(regions.get(i), FileStat.of(fds.get(i)))) {
                return false;
            }
        }
        return true;
    }

    /**
     * The index of the region in {@code current} that {@code region} over {@code fd} repeats exactly (every field
     * of the description and the same file, by st_dev/st_ino), or -1. Such an ADD_MEM_REG maps nothing new: see
     * {@link #hold}.
     */
    public static int findIdentical(MemoryTable current, RegionDescription region, Fd fd) throws ErrnoException {
        FileStat file = FileStat.of(fd);
        List<MappedRegion> regions = current.mappedRegions();
        for (int i = 0; i < regions.size(); i++) {
            if (regions.get(i).isIdentical(region, file)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * A repeated identical ADD_MEM_REG: a new table with the same mappings in which region {@code index} stands for
     * one more ADD_MEM_REG. Nothing is mapped or unmapped and the translation is unchanged, so running rings may
     * go on; retire {@code current} once the new table is installed.
     */
    public static MemoryTable hold(MemoryTable current, int index) {
        requireOpen(current);
        int[] holds = current.holdCounts();
        holds[index]++;
        List<MappedRegion> next = new ArrayList<>(current.mappedRegions());
        next.replaceAll(MappedRegion::acquire);
        return new MemoryTable(next, holds);
    }

    /**
     * The index of the region REM_MEM_REG names in {@code current}: matched on gpa, size and user address, the
     * mmap offset ignored (vhost-user spec, VHOST_USER_REM_MEM_REG; DPDK's vhost_user_rem_mem_reg matches the same
     * three), or -1.
     */
    public static int indexOf(MemoryTable current, RegionDescription region) {
        List<MappedRegion> regions = current.mappedRegions();
        for (int i = 0; i < regions.size(); i++) {
            if (regions.get(i).description().sameRegion(region)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * REM_MEM_REG: a new table without the region matching {@code region}'s gpa, size and user address; if that
     * region stands for several identical ADD_MEM_REG ({@link #hold}), only its count drops and it stays mapped
     * (the last REM_MEM_REG of a QEMU that sends one per queue pair unmaps it).
     *
     * @throws GuestMemoryException if no region matches
     */
    public static MemoryTable remove(MemoryTable current, RegionDescription region) {
        requireOpen(current);
        int index = indexOf(current, region);
        if (index < 0) {
            throw new GuestMemoryException("no memory region matches " + region + " (matched on gpa, size and user address)");
        }
        int[] oldHolds = current.holdCounts();
        List<MappedRegion> next = new ArrayList<>(current.regionCount());
        int[] holds = new int[oldHolds[index] > 1 ? oldHolds.length : oldHolds.length - 1];
        for (int i = 0, j = 0; i < oldHolds.length; i++) {
            if (i == index && oldHolds[i] == 1) {
                continue;
            }
            next.add(current.mappedRegions().get(i));
            holds[j++] = i == index ? oldHolds[i] - 1 : oldHolds[i];
        }
        next.replaceAll(MappedRegion::acquire);
        return new MemoryTable(next, holds);
    }

    private static void requireOpen(MemoryTable current) {
        if (current.isClosed()) {
            throw new IllegalStateException("cannot derive a new memory table from one that is already retired");
        }
    }

    private static MemoryTable newTable(List<MappedRegion> regions) {
        return newTable(regions, null);
    }

    private static MemoryTable newTable(List<MappedRegion> regions, int[] holds) {
        List<MappedRegion> byUserAddr = new ArrayList<>(regions);
        byUserAddr.sort((a, b) -> Long.compareUnsigned(a.description().userAddr(), b.description().userAddr()));
        for (int i = 1; i < byUserAddr.size(); i++) {
            RegionDescription prev = byUserAddr.get(i - 1).description();
            RegionDescription next = byUserAddr.get(i).description();
            if (Long.compareUnsigned(prev.userAddr() + prev.size(), next.userAddr()) > 0) {
                throw new GuestMemoryException("memory regions overlap in the frontend's address space: " + prev + " and " + next);
            }
        }
        try {
            return new MemoryTable(regions, holds);
        } catch (IllegalArgumentException e) {
            throw new GuestMemoryException(e.getMessage());
        }
    }

    private static MappedRegion mapRegion(RegionDescription d, Fd fd) throws ErrnoException {
        FileStat stat = FileStat.of(fd);
        if (stat.isRegularFile() && Long.compareUnsigned(stat.size(), d.fileEnd()) < 0) {
            // touching a page past the end of the file raises SIGBUS, which would take the whole process down
            throw new GuestMemoryException(d + " needs the file to hold 0x" + Long.toHexString(d.fileEnd())
                    + " bytes but it holds 0x" + Long.toHexString(stat.size()));
        }
        long length = mappingLength(d.mmapOffset(), d.size(), stat.blockSize(), Mman.pageSize());
        long pageSize = pageSize(stat.blockSize(), Mman.pageSize());
        Arena arena = Arena.ofShared();
        try {
            MemorySegment whole = Mman.mapShared(fd, 0, length, arena);
            GuestRegion region = new GuestRegion(d.gpa(), d.size(), d.userAddr(), whole.asSlice(d.mmapOffset(), d.size()), pageSize);
            return new MappedRegion(d, region, arena, stat);
        } catch (ErrnoException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** The pages backing a file's mapping: its block size when that is a larger power of two (hugetlbfs). */
    static long pageSize(long blockSize, long basePageSize) {
        return blockSize > basePageSize && Long.bitCount(blockSize) == 1 ? blockSize : basePageSize;
    }

    /**
     * {@code mmapOffset + size} rounded up to the file's block size when that is a larger power of two than the
     * page size (hugetlbfs), else to the page size.
     *
     * @throws GuestMemoryException if the rounded length overflows
     */
    static long mappingLength(long mmapOffset, long size, long blockSize, long pageSize) {
        long align = pageSize(blockSize, pageSize);
        long end = mmapOffset + size;
        if (mmapOffset < 0 || size <= 0 || end < 0 || end > Long.MAX_VALUE - (align - 1)) {
            throw new GuestMemoryException("mmap offset 0x" + Long.toHexString(mmapOffset) + " + size 0x"
                    + Long.toHexString(size) + " rounded up to 0x" + Long.toHexString(align) + " overflows");
        }
        return (end + align - 1) & -align;
    }
}
