package io.virtwire.vhostuser.memory;

import io.virtwire.linux.Fd;
import io.virtwire.linux.Memfd;
import io.virtwire.linux.Mman;
import io.virtwire.linux.ProcSelf;
import io.virtwire.memory.GuestMemory;
import io.virtwire.memory.GuestMemoryException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GuestMemoryMapperTest {

    /** Frontend addresses far from guest-physical ones, so QVA/GPA confusion fails loudly. */
    private static final long QVA = 0x7f00_0000_0000L;
    private static final long PAGE = Mman.pageSize();
    private static final String NAME = "guestram";

    private final List<Fd> fds = new ArrayList<>();
    private Arena testArena;

    @BeforeEach
    void open() {
        testArena = Arena.ofShared();
    }

    @AfterEach
    void closeAll() {
        fds.forEach(Fd::close);
        testArena.close();
    }

    private Fd memfd(long size) throws Exception {
        Fd fd = Memfd.create(NAME, size);
        fds.add(fd);
        return fd;
    }

    private static RegionDescription region(long gpa, long size, long mmapOffset) {
        return new RegionDescription(gpa, size, gpa + QVA, mmapOffset);
    }

    @Test
    void nonContiguousRegionsShareMemoryWithTheFrontend() throws Exception {
        Fd low = memfd(0x10000);
        Fd mid = memfd(0x30000);
        Fd high = memfd(0x10000);
        List<RegionDescription> regions = List.of(
                region(0x0, 0x10000, 0),
                region(0x10_0000, 0x20000, 0x10000), // starts 64 KiB into its file
                region(0x1_0000_0000L, 0x10000, 0));
        try (MemoryTable table = GuestMemoryMapper.map(regions, List.of(low, mid, high))) {
            GuestMemory memory = table.memory();
            assertEquals(3, memory.regionCount());

            // the "frontend" writes through its own mapping of the file; we read via GPA
            MemorySegment frontendMid = Mman.mapShared(mid, 0, 0x30000, testArena);
            frontendMid.set(ValueLayout.JAVA_LONG, 0x10000 + 0x100, 0xDEAD_BEEF_0000_0001L);
            assertEquals(0xDEAD_BEEF_0000_0001L, memory.translate(0x10_0100, 8).get(ValueLayout.JAVA_LONG, 0));

            // we write via GPA; the frontend sees it
            memory.translate(0x1_0000_0000L + 0x20, 4).set(ValueLayout.JAVA_INT, 0, 0x1234_5678);
            MemorySegment frontendHigh = Mman.mapShared(high, 0, 0x10000, testArena);
            assertEquals(0x1234_5678, frontendHigh.get(ValueLayout.JAVA_INT, 0x20));

            assertEquals(0x10_0100L, memory.userAddrToGpa(QVA + 0x10_0100));
            assertFalse(memory.isMapped(0x1_0000, 1), "the hole between regions is not memory");
            assertEquals(0x10, memory.translate(0xFFF0, 0x100).byteSize(), "translation clamps at the region end");
        }
    }

    @Test
    void unalignedMmapOffsetIsHandledByMappingFromZero() throws Exception {
        Fd fd = memfd(4 * PAGE);
        try (MemoryTable table = GuestMemoryMapper.map(List.of(region(0x4000_0000L, 2 * PAGE, 0x800)), List.of(fd))) {
            MemorySegment frontend = Mman.mapShared(fd, 0, 4 * PAGE, testArena);
            frontend.set(ValueLayout.JAVA_BYTE, 0x800, (byte) 0x42);
            assertEquals(0x42, table.memory().translate(0x4000_0000L, 1).get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(2 * PAGE, table.memory().region(0).size());
        }
    }

    @Test
    void overflowingDescriptionsAreRejected() {
        GuestMemoryException gpa = assertThrows(GuestMemoryException.class,
                () -> new RegionDescription(-PAGE, 2 * PAGE, 0, 0));
        assertTrue(gpa.getMessage().contains("overflows 64 bits"), gpa.getMessage());
        assertThrows(GuestMemoryException.class, () -> new RegionDescription(0, PAGE, -1L, 0));
        GuestMemoryException offset = assertThrows(GuestMemoryException.class,
                () -> new RegionDescription(0, PAGE, QVA, Long.MAX_VALUE - 10));
        assertTrue(offset.getMessage().contains("mmap offset"), offset.getMessage());
        assertThrows(GuestMemoryException.class, () -> new RegionDescription(0, 0, QVA, 0));
        assertThrows(GuestMemoryException.class, () -> new RegionDescription(0, -PAGE, 0, 0));
    }

    @Test
    void mappingLengthRoundsToHugepagesAndRejectsOverflow() {
        long twoMiB = 2L << 20;
        assertEquals(twoMiB, GuestMemoryMapper.mappingLength(0x1000, 0x1000, twoMiB, 4096));
        assertEquals(2 * twoMiB, GuestMemoryMapper.mappingLength(twoMiB, 1, twoMiB, 4096));
        assertEquals(0x3000, GuestMemoryMapper.mappingLength(0x800, 0x2000, 4096, 4096));
        assertEquals(0x1000, GuestMemoryMapper.mappingLength(0, 0x1000, 512, 4096), "small st_blksize falls back to pages");
        assertEquals(0x1000, GuestMemoryMapper.mappingLength(0, 0x1000, 3 * 4096, 4096), "non power of two falls back to pages");
        assertThrows(GuestMemoryException.class,
                () -> GuestMemoryMapper.mappingLength(Long.MAX_VALUE - 0x1000, 0x800, twoMiB, 4096));
    }

    @Test
    void pageSizeIsTheHugepageSizeOnHugetlbfsElseTheBasePage() throws Exception {
        long twoMiB = 2L << 20;
        assertEquals(twoMiB, GuestMemoryMapper.pageSize(twoMiB, 4096));
        assertEquals(1L << 30, GuestMemoryMapper.pageSize(1L << 30, 4096));
        assertEquals(4096, GuestMemoryMapper.pageSize(4096, 4096));
        assertEquals(4096, GuestMemoryMapper.pageSize(3 * 4096, 4096), "non power of two: the base page");
        try (MemoryTable table = GuestMemoryMapper.map(List.of(region(0, 2 * PAGE, 0)), List.of(memfd(2 * PAGE)))) {
            assertEquals(Mman.pageSize(), table.memory().region(0).pageSize(), "a memfd is on base pages");
            assertFalse(table.memory().onHugePages());
        }
    }

    @Test
    void fileSmallerThanTheRegionIsRejectedBeforeAnythingIsMapped() throws Exception {
        Fd small = memfd(PAGE);
        long maps = ProcSelf.mappingsOf(NAME);
        GuestMemoryException e = assertThrows(GuestMemoryException.class,
                () -> GuestMemoryMapper.map(List.of(region(0, 2 * PAGE, 0)), List.of(small)));
        assertTrue(e.getMessage().contains("holds 0x" + Long.toHexString(PAGE)), e.getMessage());
        assertEquals(maps, ProcSelf.mappingsOf(NAME));
    }

    @Test
    void descriptorCountMustMatchRegionCount() throws Exception {
        Fd one = memfd(PAGE);
        GuestMemoryException e = assertThrows(GuestMemoryException.class,
                () -> GuestMemoryMapper.map(List.of(region(0, PAGE, 0), region(PAGE, PAGE, 0)), List.of(one)));
        assertTrue(e.getMessage().contains("2 regions but came with 1"), e.getMessage());
    }

    @Test
    void overlappingRegionsAreRejectedAndTheirMappingsUndone() throws Exception {
        Fd a = memfd(2 * PAGE);
        Fd b = memfd(2 * PAGE);
        long maps = ProcSelf.mappingsOf(NAME);
        assertThrows(GuestMemoryException.class, () -> GuestMemoryMapper.map(
                List.of(region(0, 2 * PAGE, 0), region(PAGE, 2 * PAGE, 0)), List.of(a, b)));
        // same GPAs apart, overlapping frontend addresses
        assertThrows(GuestMemoryException.class, () -> GuestMemoryMapper.map(
                List.of(new RegionDescription(0, 2 * PAGE, QVA, 0), new RegionDescription(0x10_0000, 2 * PAGE, QVA + PAGE, 0)),
                List.of(a, b)));
        assertEquals(maps, ProcSelf.mappingsOf(NAME));
    }

    @Test
    void replacingTheTableAHundredTimesLeaksNothing() throws Exception {
        long fdsBefore = ProcSelf.nativeFds();
        long mapsBefore = ProcSelf.mappingsOf(NAME);
        try (GuestMemoryHolder holder = new GuestMemoryHolder()) {
            for (int i = 0; i < 100; i++) {
                try (Fd r0 = Memfd.create(NAME, 4 * PAGE); Fd r1 = Memfd.create(NAME, 4 * PAGE)) {
                    MemoryTable next = GuestMemoryMapper.map(
                            List.of(region(0, 4 * PAGE, 0), region(0x100_0000, 4 * PAGE, 0)), List.of(r0, r1));
                    next.memory().translate(0x100_0000, 8).set(ValueLayout.JAVA_LONG, 0, i);
                    MemoryTable old = holder.swap(next);
                    holder.retire(old);
                }
                assertEquals(i, holder.memory().translate(0x100_0000, 8).get(ValueLayout.JAVA_LONG, 0));
            }
            assertEquals(mapsBefore + 2, ProcSelf.mappingsOf(NAME), "only the current table is mapped");
        }
        assertEquals(mapsBefore, ProcSelf.mappingsOf(NAME));
        assertEquals(fdsBefore, ProcSelf.nativeFds());
    }

    @Test
    void retiredTableFailsSafelyInsteadOfTouchingUnmappedMemory() throws Exception {
        Fd fd = memfd(PAGE);
        GuestMemoryHolder holder = new GuestMemoryHolder();
        holder.swap(GuestMemoryMapper.map(List.of(region(0, PAGE, 0)), List.of(fd)));
        GuestMemory stale = holder.memory();
        MemoryTable old = holder.swap(MemoryTable.empty());
        assertThrows(IllegalStateException.class, () -> holder.retire(MemoryTable.empty()), "current table");
        holder.retire(old);
        assertThrows(IllegalStateException.class, () -> stale.translate(0, 8).get(ValueLayout.JAVA_LONG, 0));
        assertEquals(0, holder.memory().regionCount());
        assertThrows(IllegalArgumentException.class, () -> holder.swap(old));
    }

    @Test
    void addAndRemoveRegionShareMappingsAcrossGenerations() throws Exception {
        Fd base = memfd(PAGE);
        Fd hotplug = memfd(2 * PAGE);
        long maps = ProcSelf.mappingsOf(NAME);
        GuestMemoryHolder holder = new GuestMemoryHolder();
        holder.swap(GuestMemoryMapper.map(List.of(region(0, PAGE, 0)), List.of(base)));
        holder.memory().translate(0, 4).set(ValueLayout.JAVA_INT, 0, 7);

        RegionDescription added = region(0x2000_0000L, 2 * PAGE, 0);
        holder.retire(holder.swap(GuestMemoryMapper.add(holder.table(), added, hotplug)));
        assertEquals(2, holder.memory().regionCount());
        assertEquals(7, holder.memory().translate(0, 4).get(ValueLayout.JAVA_INT, 0), "kept region survives retiring its first table");
        assertEquals(maps + 2, ProcSelf.mappingsOf(NAME));

        GuestMemoryException missing = assertThrows(GuestMemoryException.class,
                () -> GuestMemoryMapper.remove(holder.table(), region(0x3000_0000L, PAGE, 0)));
        assertTrue(missing.getMessage().contains("no memory region matches"), missing.getMessage());

        holder.retire(holder.swap(GuestMemoryMapper.remove(holder.table(), added)));
        assertEquals(1, holder.memory().regionCount());
        assertEquals(maps + 1, ProcSelf.mappingsOf(NAME), "the removed region is unmapped once its tables are retired");
        assertEquals(7, holder.memory().translate(0, 4).get(ValueLayout.JAVA_INT, 0));

        holder.close();
        assertEquals(maps, ProcSelf.mappingsOf(NAME));
    }

    @Test
    void anIdenticalRegionIsHeldNotMappedAgainAndTheLastRemovalUnmapsIt() throws Exception {
        Fd file = memfd(0x10000);
        Fd sameFileAgain = file; // over a socket it arrives as another fd number; MultiqueueSessionTest does that
        Fd otherFile = memfd(0x10000);
        RegionDescription r = region(0x0, 0x10000, 0);
        MemoryTable one = GuestMemoryMapper.add(MemoryTable.empty(), r, file);
        assertEquals(0, GuestMemoryMapper.findIdentical(one, r, sameFileAgain), "the same region of the same file");
        assertEquals(-1, GuestMemoryMapper.findIdentical(one, r, otherFile), "same addresses, another file");
        assertEquals(-1, GuestMemoryMapper.findIdentical(one, region(0x0, 0x8000, 0x8000), file), "another offset");
        long maps = ProcSelf.mappingsOf(NAME);
        MemoryTable twice = GuestMemoryMapper.hold(one, 0);
        one.close();
        assertEquals(2, twice.holds(0));
        assertEquals(maps, ProcSelf.mappingsOf(NAME), "nothing mapped for the repeat");
        MemoryTable once = GuestMemoryMapper.remove(twice, r);
        twice.close();
        assertEquals(1, once.regionCount(), "still there after the first removal");
        assertEquals(1, once.holds(0));
        assertTrue(GuestMemoryMapper.sameTable(once, List.of(r), List.of(sameFileAgain)));
        assertFalse(GuestMemoryMapper.sameTable(once, List.of(r), List.of(otherFile)));
        MemoryTable none = GuestMemoryMapper.remove(once, r);
        once.close();
        assertEquals(0, none.regionCount());
        assertEquals(maps - 1, ProcSelf.mappingsOf(NAME), "the last removal unmaps it");
        none.close();
    }
}
