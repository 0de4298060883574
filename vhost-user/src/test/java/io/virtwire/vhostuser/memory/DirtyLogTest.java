package io.virtwire.vhostuser.memory;

import io.virtwire.linux.Fd;
import io.virtwire.linux.Memfd;
import io.virtwire.linux.Mman;
import io.virtwire.linux.ProcSelf;
import io.virtwire.memory.GuestMemoryException;
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

class DirtyLogTest {

    private static final long PAGE = Mman.pageSize();

    @Test
    void marksOneBitPerFourKibPageAtTheLogOffset() throws Exception {
        try (Fd fd = Memfd.create("dirtylog", 2 * PAGE); Arena arena = Arena.ofConfined();
             DirtyLog log = DirtyLog.map(fd, 64, PAGE + 8)) {
            MemorySegment frontend = Mman.mapShared(fd, 0, 2 * PAGE, arena);
            long base = PAGE + 8;

            assertTrue(log.mark(0x5000, 1)); // page 5: byte 0, bit 5
            assertEquals(1 << 5, frontend.get(ValueLayout.JAVA_BYTE, base) & 0xFF);

            assertTrue(log.mark(0x8FFF, 2)); // pages 8 and 9: byte 1, bits 0 and 1
            assertEquals(0b11, frontend.get(ValueLayout.JAVA_BYTE, base + 1) & 0xFF);

            assertTrue(log.mark(0x10_0000, 3 * 0x1000)); // pages 256..258: byte 32, bits 0-2
            assertEquals(0b111, frontend.get(ValueLayout.JAVA_BYTE, base + 32) & 0xFF);

            assertEquals(0, frontend.get(ValueLayout.JAVA_BYTE, base - 1), "nothing before the log offset");
            assertEquals(0, frontend.get(ValueLayout.JAVA_BYTE, base + 2));
            assertTrue(log.isDirty(0x5ABC));
            assertFalse(log.isDirty(0x6000));
        }
    }

    @Test
    void pagesBeyondTheLogAreSkippedAndReported() throws Exception {
        try (Fd fd = Memfd.create("dirtylog", PAGE); Arena arena = Arena.ofConfined();
             DirtyLog log = DirtyLog.map(fd, 1, 0)) { // 8 pages: gpa below 0x8000
            MemorySegment frontend = Mman.mapShared(fd, 0, PAGE, arena);
            assertFalse(log.mark(0x7000, 0x2000));
            assertEquals((byte) 0x80, frontend.get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(0, frontend.get(ValueLayout.JAVA_BYTE, 1), "byte past the log untouched");
            assertFalse(log.mark(-PAGE, 2 * PAGE), "wrapping range");
            assertTrue(log.mark(0x1000, 0));
        }
    }

    @Test
    void concurrentMarksOfOneByteLoseNoBits() throws Exception {
        try (Fd fd = Memfd.create("dirtylog", PAGE); DirtyLog log = DirtyLog.map(fd, PAGE, 0)) {
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int lane = t;
                threads.add(Thread.ofPlatform().start(() -> {
                    for (long page = lane; page < 8 * PAGE; page += 4) {
                        log.mark(page * DirtyLog.PAGE_SIZE, 1);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            for (long page = 0; page < 8 * PAGE; page++) {
                assertTrue(log.isDirty(page * DirtyLog.PAGE_SIZE), "page " + page);
            }
        }
    }

    @Test
    void overflowingOrOversizedLogIsRejected() throws Exception {
        long maps = ProcSelf.mappingsOf("dirtylog");
        try (Fd fd = Memfd.create("dirtylog", PAGE)) {
            GuestMemoryException overflow = assertThrows(GuestMemoryException.class,
                    () -> DirtyLog.map(fd, Long.MAX_VALUE, PAGE));
            assertTrue(overflow.getMessage().contains("overflows"), overflow.getMessage());
            assertThrows(GuestMemoryException.class, () -> DirtyLog.map(fd, 0, 0));
            GuestMemoryException small = assertThrows(GuestMemoryException.class, () -> DirtyLog.map(fd, PAGE, 8));
            assertTrue(small.getMessage().contains("holds 0x" + Long.toHexString(PAGE)), small.getMessage());
        }
        assertEquals(maps, ProcSelf.mappingsOf("dirtylog"));
    }

    @Test
    void closeUnmaps() throws Exception {
        long maps = ProcSelf.mappingsOf("dirtylog-close");
        try (Fd fd = Memfd.create("dirtylog-close", PAGE)) {
            DirtyLog log = DirtyLog.map(fd, 16, 0);
            assertEquals(maps + 1, ProcSelf.mappingsOf("dirtylog-close"));
            log.close();
            assertEquals(maps, ProcSelf.mappingsOf("dirtylog-close"));
            assertThrows(IllegalStateException.class, () -> log.mark(0, 1));
        }
    }
}
