package io.virtwire.vhostuser.memory;

import io.virtwire.vhostuser.frontend.GuestRam;
import io.virtwire.virtio.queue.GuestCopy;
import io.virtwire.virtio.queue.IovaMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static io.virtwire.vhostuser.memory.IotlbCache.READ;
import static io.virtwire.vhostuser.memory.IotlbCache.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IotlbCacheTest {

    private static final long PAGE = 0x1000;
    private static final long IOVA = 0xfee0_0000L;

    private GuestRam ram;
    private final IotlbCache cache = new IotlbCache();

    @BeforeEach
    void ram() throws Exception {
        ram = GuestRam.standard("iotlb-cache");
    }

    @AfterEach
    void close() {
        ram.close();
    }

    private static long user(long gpa) {
        return GuestRam.userAddr(gpa);
    }

    @Test
    void translatesThroughTheUserAddressToTheRightBytes() {
        ram.memory().translate(0x5000, 8).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 0x1122334455667788L);
        cache.update(IOVA, PAGE, user(0x5000), READ, ram.memory());
        IotlbCache.View view = cache.view(ram.memory());
        assertEquals(0x1122334455667788L, view.readable().translate(IOVA, 8).get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
        assertEquals(0, view.writable().regionCount(), "a read-only mapping is not writable");
        assertFalse(view.readable().isMapped(IOVA + PAGE, 1));
        assertEquals(IOVA + PAGE, IovaMemory.firstUnmapped(view.readable(), IOVA, 2 * PAGE));
    }

    @Test
    void pageByPageMappingsOfContiguousMemoryMergeIntoOneSlice() {
        for (int i = 0; i < 4; i++) {
            cache.update(IOVA + i * PAGE, PAGE, user(0x8000 + i * PAGE), READ | WRITE, ram.memory());
        }
        IotlbCache.View view = cache.view(ram.memory());
        assertEquals(1, view.readable().regionCount());
        assertEquals(4 * PAGE, view.readable().translate(IOVA, 4 * PAGE).byteSize());
        assertEquals(1, view.writable().regionCount());
    }

    @Test
    void aMappingAcrossTwoMemfdRegionsIsSplitButStillCopiesAcrossTheBoundary() {
        // gpa 0xFF000..0x101000 crosses from the LOW memfd into NEXT, whose user addresses are adjacent
        cache.update(IOVA, 2 * PAGE, user(0xFF000), READ | WRITE, ram.memory());
        IotlbCache.View view = cache.view(ram.memory());
        assertEquals(2, view.writable().regionCount());
        MemorySegment src = MemorySegment.ofArray(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        assertEquals(8, GuestCopy.toGuest(view.writable(), src, 0, IOVA + PAGE - 4, 8));
        assertEquals(4, ram.memory().translate(0x100000, 1).get(ValueLayout.JAVA_BYTE, 0) - 1);
    }

    @Test
    void theNewestOverlappingUpdateWinsAndTrimsOlderEntries() {
        cache.update(IOVA, 4 * PAGE, user(0x10000), READ, ram.memory());
        cache.update(IOVA + PAGE, PAGE, user(0x20000), READ | WRITE, ram.memory());
        assertEquals(3, cache.size());
        assertEquals(user(0x10000), cache.lookup(IOVA).userAddr());
        assertEquals(user(0x20000), cache.lookup(IOVA + PAGE).userAddr());
        IotlbCache.Entry tail = cache.lookup(IOVA + 2 * PAGE);
        assertEquals(IOVA + 2 * PAGE, tail.iova());
        assertEquals(user(0x12000), tail.userAddr(), "the remainder keeps its own translation");
        assertEquals(2 * PAGE, tail.size());
        IotlbCache.View view = cache.view(ram.memory());
        assertTrue(view.writable().isMapped(IOVA + PAGE, PAGE));
        assertFalse(view.writable().isMapped(IOVA, 1));
    }

    @Test
    void invalidationTrimsSplitsAndDrops() {
        cache.update(IOVA, 4 * PAGE, user(0x10000), READ | WRITE, ram.memory());
        cache.invalidate(IOVA + PAGE, PAGE);
        assertNull(cache.lookup(IOVA + PAGE));
        assertEquals(user(0x12000), cache.lookup(IOVA + 2 * PAGE).userAddr());
        assertEquals(user(0x10000), cache.lookup(IOVA).userAddr());
        cache.invalidate(0, 0); // QEMU's whole-space invalidation: addr_mask + 1 wraps to 0
        assertEquals(0, cache.size());
    }

    @Test
    void updatesOutsideGuestMemoryOrWithoutPermissionAreRefusedByName() {
        IllegalArgumentException outside = assertThrows(IllegalArgumentException.class,
                () -> cache.update(IOVA, PAGE, user(0x200000), READ, ram.memory()));
        assertTrue(outside.getMessage().contains("is in no memory region"), outside.getMessage());
        // half inside: the tail of NEXT (ends at 0x110000) runs into the hole
        assertThrows(IllegalArgumentException.class,
                () -> cache.update(IOVA, 2 * PAGE, user(0x10F000), READ, ram.memory()));
        IllegalArgumentException noPerm = assertThrows(IllegalArgumentException.class,
                () -> cache.update(IOVA, PAGE, user(0), 0, ram.memory()));
        assertTrue(noPerm.getMessage().contains("permission 0"), noPerm.getMessage());
        assertEquals(0, cache.size());
    }

    @Test
    void aRemovedMemoryRegionDropsOutOfTheView() throws Exception {
        cache.update(IOVA, PAGE, user(0x1_0000_0000L), READ, ram.memory());
        try (GuestRam other = GuestRam.create("iotlb-other", java.util.List.of(new GuestRam.Layout(0, 0x10_0000)))) {
            assertEquals(0, cache.view(other.memory()).readable().regionCount());
        }
    }

    @Test
    void theCacheIsBounded() {
        for (int i = 0; i <= IotlbCache.MAX_ENTRIES; i++) {
            cache.update(IOVA + i * 2 * 16L, 16, user(0x1000), READ, ram.memory());
        }
        assertTrue(cache.size() <= IotlbCache.MAX_ENTRIES);
    }
}
