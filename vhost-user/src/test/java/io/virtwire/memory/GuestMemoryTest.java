package io.virtwire.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GuestMemoryTest {

    private final Arena arena = Arena.ofConfined();

    @AfterEach
    void close() {
        arena.close();
    }

    private GuestRegion region(long gpa, long size, long userAddr) {
        return new GuestRegion(gpa, size, userAddr, arena.allocate(size, 16));
    }

    @Test
    void onHugePagesOnlyWhenEveryRegionIsKnownToBe() {
        long huge = GuestMemory.HUGE_PAGE;
        GuestRegion a = region(0x1000, 0x1000, 0x10_0000);
        GuestRegion b = region(0x4000, 0x1000, 0x20_0000);
        GuestRegion hugeA = new GuestRegion(a.gpa(), a.size(), a.userAddr(), a.segment(), huge);
        GuestRegion hugeB = new GuestRegion(b.gpa(), b.size(), b.userAddr(), b.segment(), 1L << 30);
        GuestRegion smallB = new GuestRegion(b.gpa(), b.size(), b.userAddr(), b.segment(), 4096);
        assertTrue(new GuestMemory(List.of(hugeA, hugeB)).onHugePages());
        assertFalse(new GuestMemory(List.of(hugeA, smallB)).onHugePages(), "one region on 4 KiB pages");
        assertFalse(new GuestMemory(List.of(hugeA, b)).onHugePages(), "one region's page size unknown");
        assertFalse(GuestMemory.empty().onHugePages());
        assertThrows(IllegalArgumentException.class, () -> new GuestRegion(a.gpa(), a.size(), a.userAddr(), a.segment(), -1));
    }

    @Test
    void translateClampsAtRegionEndAndLoopsAcrossAdjacentRegions() {
        GuestMemory mem = new GuestMemory(List.of(region(0x1000, 0x1000, 0x7f00_0000_1000L), region(0x2000, 0x1000, 0x7f00_0001_0000L)));
        MemorySegment first = mem.translate(0x1f00, 0x200);
        assertEquals(0x100, first.byteSize());
        List<MemorySegment> parts = mem.translateAll(0x1f00, 0x200);
        assertEquals(2, parts.size());
        assertEquals(0x100, parts.get(1).byteSize());
        parts.get(1).set(ValueLayout.JAVA_BYTE, 0, (byte) 7);
        assertEquals(7, mem.region(1).segment().get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void rangesLeavingGuestMemoryAreRejected() {
        GuestMemory mem = new GuestMemory(List.of(region(0x1000, 0x1000, 0x10_0000), region(0x4000, 0x1000, 0x20_0000)));
        assertThrows(GuestMemoryException.class, () -> mem.translateAll(0x1f00, 0x200)); // hole at 0x2000
        assertThrows(GuestMemoryException.class, () -> mem.translate(0x3000, 1));
        assertFalse(mem.isMapped(0x1f00, 0x200));
        assertTrue(mem.isMapped(0x4000, 0x1000));
        assertFalse(mem.isMapped(0x4000, 0x1001));
        assertFalse(mem.isMapped(-16, 32)); // wraps
        assertThrows(GuestMemoryException.class, () -> mem.translateAll(-16, 32));
    }

    @Test
    void userAddressesTranslateToGpaPerRegion() {
        GuestMemory mem = new GuestMemory(List.of(region(0x0, 0x1000, 0x7f00_0000_0000L), region(0x10_0000, 0x1000, 0x7f00_0020_0000L)));
        assertEquals(0x10_0010, mem.userAddrToGpa(0x7f00_0020_0010L));
        assertEquals(0x20, mem.userAddrToGpa(0x7f00_0000_0020L));
        assertThrows(GuestMemoryException.class, () -> mem.userAddrToGpa(0x10_0010));
    }

    @Test
    void binarySearchAgreesWithRegionsWhenThereAreMany() {
        List<GuestRegion> many = new ArrayList<>();
        for (int i = 31; i >= 0; i--) {
            many.add(region(0x10_0000L * i, 0x1000, 0x1_0000_0000L + 0x10_0000L * i));
        }
        GuestMemory mem = new GuestMemory(many);
        for (int i = 0; i < 32; i++) {
            assertEquals(i, mem.regionIndex(0x10_0000L * i + 0xfff));
            assertEquals(-1, mem.regionIndex(0x10_0000L * i + 0x1000));
        }
    }

    @Test
    void overlappingOrOverflowingRegionsAreRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> new GuestMemory(List.of(region(0x1000, 0x1000, 0), region(0x1800, 0x1000, 0x10000))));
        assertThrows(IllegalArgumentException.class, () -> new GuestRegion(-0x800, 0x1000, 0, MemorySegment.ofArray(new byte[0x1000])));
    }
}
