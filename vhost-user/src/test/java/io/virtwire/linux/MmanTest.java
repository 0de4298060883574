package io.virtwire.linux;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MmanTest {

    private static final long PAGE = Mman.pageSize();

    @Test
    void mappingAtAnOffsetSeesTheFileAtThatOffset() throws Exception {
        try (Fd fd = Memfd.create("mman-offset", 4 * PAGE); Arena arena = Arena.ofConfined()) {
            MemorySegment whole = Mman.mapShared(fd, 0, 4 * PAGE, arena);
            MemorySegment tail = Mman.mapShared(fd, 2 * PAGE, 2 * PAGE, arena);
            assertEquals(2 * PAGE, tail.byteSize());
            whole.set(ValueLayout.JAVA_LONG, 2 * PAGE + 8, 0x1122334455667788L);
            assertEquals(0x1122334455667788L, tail.get(ValueLayout.JAVA_LONG, 8));
            tail.set(ValueLayout.JAVA_BYTE, 2 * PAGE - 1, (byte) 0x5A);
            assertEquals((byte) 0x5A, whole.get(ValueLayout.JAVA_BYTE, 4 * PAGE - 1));
            assertThrows(IndexOutOfBoundsException.class, () -> tail.get(ValueLayout.JAVA_BYTE, 2 * PAGE));
        }
    }

    @Test
    void closingTheArenaUnmaps() throws Exception {
        try (Fd fd = Memfd.create("mman-unmap", PAGE)) {
            long before = ProcSelf.mappingsOf("mman-unmap");
            Arena arena = Arena.ofShared();
            MemorySegment m = Mman.mapShared(fd, 0, PAGE, arena);
            assertEquals(before + 1, ProcSelf.mappingsOf("mman-unmap"));
            arena.close();
            assertEquals(before, ProcSelf.mappingsOf("mman-unmap"));
            assertThrows(IllegalStateException.class, () -> m.get(ValueLayout.JAVA_BYTE, 0));
        }
    }

    @Test
    void unalignedOffsetIsRejectedBeforeMmap() throws Exception {
        try (Fd fd = Memfd.create("mman-bad", 2 * PAGE); Arena arena = Arena.ofConfined()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Mman.mapShared(fd, 100, PAGE, arena));
            assertTrue(e.getMessage().contains("100"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Mman.mapShared(fd, 0, 0, arena));
        }
    }

    @Test
    void mmapOfANonMappableDescriptorIsAnErrnoException() throws Exception {
        try (Epoll epoll = Epoll.create(1); Arena arena = Arena.ofConfined()) {
            ErrnoException e = assertThrows(ErrnoException.class, () -> Mman.mapShared(epoll.fd(), 0, PAGE, arena));
            assertEquals("mmap", e.call());
            assertTrue(e.getMessage().contains("length " + PAGE), e.getMessage());
        }
    }

    @Test
    void truncatedBackingFileFaultsAsInternalErrorNotACrash() throws Exception {
        // a hostile frontend can shrink a memfd we mapped; the JVM turns the SIGBUS into an InternalError,
        // which the data path must treat as "device broken"
        try (Fd fd = Memfd.create("mman-shrink", 2 * PAGE); Arena arena = Arena.ofShared()) {
            MemorySegment m = Mman.mapShared(fd, 0, 2 * PAGE, arena);
            m.set(ValueLayout.JAVA_INT, PAGE, 1);
            Memfd.truncate(fd, 0);
            assertThrows(InternalError.class, () -> m.get(ValueLayout.JAVA_INT, PAGE));
        }
    }

    @Test
    void fstatReportsSizeAndBlockSize() throws Exception {
        try (Fd fd = Memfd.create("mman-stat", 3 * PAGE)) {
            FileStat st = FileStat.of(fd);
            assertEquals(3 * PAGE, st.size());
            assertEquals(PAGE, st.blockSize());
            assertTrue(st.isRegularFile());
            Memfd.truncate(fd, PAGE);
            assertEquals(PAGE, Memfd.size(fd));
        }
    }
}
