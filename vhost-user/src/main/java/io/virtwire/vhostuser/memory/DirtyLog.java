package io.virtwire.vhostuser.memory;

import io.virtwire.linux.ErrnoException;
import io.virtwire.linux.Fd;
import io.virtwire.linux.FileStat;
import io.virtwire.linux.Mman;
import io.virtwire.memory.GuestMemoryException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The live-migration dirty log from SET_LOG_BASE: one bit per 4 KiB guest page (VHOST_LOG_PAGE), page {@code p}
 * at bit {@code p % 8} of byte {@code p / 8}, starting {@code offset} bytes into the shared file. QEMU reads and
 * clears it concurrently, so bits are set with an atomic OR, on the aligned 32-bit word that holds the byte
 * (the JVM has no atomic byte OR on native memory).
 */
public final class DirtyLog implements AutoCloseable {

    public static final long PAGE_SIZE = 0x1000;
    private static final int PAGE_SHIFT = 12;

    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private final Arena arena;
    private final MemorySegment mapping;
    private final long offset;
    private final long size;
    /** Pages the log covers; saturates instead of overflowing for absurd sizes (mmap would refuse those anyway). */
    private final long pagesInLog;

    private DirtyLog(Arena arena, MemorySegment mapping, long offset, long size) {
        this.arena = arena;
        this.mapping = mapping;
        this.offset = offset;
        this.size = size;
        this.pagesInLog = size >= (1L << 60) ? Long.MAX_VALUE : size << 3;
    }

    /**
     * Maps the log (SET_LOG_BASE's fd and its u64 mmap size and offset). The descriptor may be closed afterwards.
     *
     * @throws GuestMemoryException if size is 0, offset + size overflows (CVE-2020-10722) or the file is too small
     */
    public static DirtyLog map(Fd fd, long size, long offset) throws ErrnoException {
        if (size <= 0 || offset < 0 || offset + size < 0) {
            throw new GuestMemoryException("dirty log size 0x" + Long.toHexString(size) + " at offset 0x"
                    + Long.toHexString(offset) + " is empty or overflows the largest file offset");
        }
        FileStat stat = FileStat.of(fd);
        if (stat.isRegularFile() && stat.size() < offset + size) {
            throw new GuestMemoryException("dirty log needs the file to hold 0x" + Long.toHexString(offset + size)
                    + " bytes but it holds 0x" + Long.toHexString(stat.size()));
        }
        long length = GuestMemoryMapper.mappingLength(offset, size, stat.blockSize(), Mman.pageSize());
        Arena arena = Arena.ofShared();
        try {
            return new DirtyLog(arena, Mman.mapShared(fd, 0, length, arena), offset, size);
        } catch (ErrnoException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Bytes of log: it covers guest-physical addresses below {@code size * 8 * 4096}. */
    public long size() {
        return size;
    }

    /**
     * Marks every page of [gpa, gpa + len) dirty. Pages past the end of the log are skipped, since the frontend
     * sized the log to cover guest memory; the return value says whether any were.
     *
     * @return true if every page was inside the log
     */
    public boolean mark(long gpa, long len) {
        if (len <= 0) {
            return true;
        }
        long last = Long.compareUnsigned(gpa, -len) > 0 ? -1L : gpa + len - 1;
        long firstPage = gpa >>> PAGE_SHIFT;
        long lastPage = last >>> PAGE_SHIFT;
        long end = Long.compareUnsigned(lastPage, pagesInLog - 1) < 0 ? lastPage : pagesInLog - 1;
        for (long page = firstPage; Long.compareUnsigned(page, end) <= 0; page++) {
            setBit(page);
        }
        return Long.compareUnsigned(lastPage, pagesInLog) < 0;
    }

    /** Whether the page holding {@code gpa} is marked. */
    public boolean isDirty(long gpa) {
        long page = gpa >>> PAGE_SHIFT;
        if (Long.compareUnsigned(page, pagesInLog) >= 0) {
            return false;
        }
        return (mapping.get(ValueLayout.JAVA_BYTE, offset + (page >>> 3)) & (1 << (page & 7))) != 0;
    }

    private void setBit(long page) {
        long at = offset + (page >>> 3);
        long word = at & ~3L; // the mapping starts page aligned, so this is an aligned address
        int byteInWord = (int) (at & 3);
        int shift = (LITTLE_ENDIAN ? byteInWord : 3 - byteInWord) * 8 + (int) (page & 7);
        int mask = 1 << shift;
        if (((int) INT.getVolatile(mapping, word) & mask) == 0) {
            INT.getAndBitwiseOr(mapping, word, mask);
        }
    }

    /** Unmaps the log (SET_LOG_BASE replaces it, or logging ends). */
    @Override
    public void close() {
        arena.close();
    }
}
