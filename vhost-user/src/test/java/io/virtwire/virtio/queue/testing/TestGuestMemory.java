package io.virtwire.virtio.queue.testing;

import io.virtwire.memory.GuestMemory;
import io.virtwire.memory.GuestRegion;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Real guest memory for ring tests: three Arena-allocated regions, two of them adjacent in GPA (so buffers can
 * cross from one mapping into another) and one far away. Frontend addresses are GPA + {@link #USER_OFFSET} so
 * any QVA/GPA mix-up shows.
 *
 * <pre>
 * LOW   gpa 0x0000_0000 .. 0x0010_0000  (1 MiB)  rings live here
 * NEXT  gpa 0x0010_0000 .. 0x0011_0000  (64 KiB) adjacent to LOW, separate mapping
 * HIGH  gpa 0x1_0000_0000 .. +1 MiB              after a hole
 * </pre>
 */
public final class TestGuestMemory implements AutoCloseable {

    public static final long USER_OFFSET = 0x7f00_0000_0000L;
    public static final long LOW = 0x0;
    public static final long LOW_SIZE = 0x10_0000;
    public static final long NEXT = LOW + LOW_SIZE;
    public static final long NEXT_SIZE = 0x1_0000;
    public static final long HIGH = 0x1_0000_0000L;
    public static final long HIGH_SIZE = 0x10_0000;
    /** An address in no region: the hole between NEXT and HIGH. */
    public static final long HOLE = 0x8000_0000L;

    /** Standard ring addresses for queues up to 256 entries. */
    public static final long DESC = 0x1000;
    public static final long AVAIL = 0x2000;
    public static final long USED = 0x3000;
    /** Data buffers and indirect tables: free space in LOW above the rings. */
    public static final long DATA = 0x1_0000;

    // shared: the concurrent tests run the driver and the device on different threads
    private final Arena arena = Arena.ofShared();
    private final GuestMemory memory;

    public TestGuestMemory() {
        memory = new GuestMemory(List.of(
                region(LOW, LOW_SIZE),
                region(NEXT, NEXT_SIZE),
                region(HIGH, HIGH_SIZE)));
    }

    private GuestRegion region(long gpa, long size) {
        MemorySegment s = arena.allocate(size, 4096);
        return new GuestRegion(gpa, size, gpa + USER_OFFSET, s);
    }

    public GuestMemory memory() {
        return memory;
    }

    /** The same regions without the one holding {@code gpa}: a memory table after REM_MEM_REG. */
    public GuestMemory without(long gpa) {
        return new GuestMemory(memory.regions().stream().filter(r -> !r.containsGpa(gpa)).toList());
    }

    public void write(long gpa, byte[] bytes) {
        long n = io.virtwire.virtio.queue.GuestCopy.toGuest(memory, MemorySegment.ofArray(bytes), 0, gpa, bytes.length);
        if (n != bytes.length) {
            throw new IllegalArgumentException("test write at 0x" + Long.toHexString(gpa) + " leaves guest memory");
        }
    }

    public byte[] read(long gpa, int length) {
        byte[] out = new byte[length];
        long n = io.virtwire.virtio.queue.GuestCopy.fromGuest(memory, gpa, MemorySegment.ofArray(out), 0, length);
        if (n != length) {
            throw new IllegalArgumentException("test read at 0x" + Long.toHexString(gpa) + " leaves guest memory");
        }
        return out;
    }

    public static byte[] pattern(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (seed * 31 + i * 7);
        }
        return b;
    }

    @Override
    public void close() {
        arena.close();
    }
}
