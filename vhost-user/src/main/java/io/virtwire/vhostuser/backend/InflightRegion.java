package io.virtwire.vhostuser.backend;

import io.virtwire.linux.ErrnoException;
import io.virtwire.linux.Fd;
import io.virtwire.linux.FileStat;
import io.virtwire.linux.Memfd;
import io.virtwire.linux.Mman;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The shared inflight-tracking buffer of INFLIGHT_SHMFD (QEMU docs/interop/vhost-user.rst, "Inflight I/O
 * tracking"): one region per queue, each a 16-byte {@code QueueRegionSplit} header followed by one 16-byte
 * {@code DescStateSplit} per descriptor. The back-end creates it (GET_INFLIGHT_FD), the front-end keeps the fd and
 * hands it back after a back-end restart (SET_INFLIGHT_FD), so the new back-end finds what was in flight.
 *
 * <p>Each queue region is rounded up to 64 bytes (as libvhost-user does) so regions start cache-line aligned.
 */
public final class InflightRegion implements AutoCloseable {

    static final int HEADER_SIZE = 16;
    static final int DESC_STATE_SIZE = 16;
    /** QueueRegionPacked: 29 bytes of header padded to the 8-byte alignment of DescStatePacked's counter. */
    static final int PACKED_HEADER_SIZE = 32;
    static final int PACKED_DESC_STATE_SIZE = 32;
    private static final int ALIGNMENT = 64;

    private final Arena arena;
    private final MemorySegment area;
    private final int numQueues;
    private final int queueSize;

    private InflightRegion(Arena arena, MemorySegment area, int numQueues, int queueSize) {
        this.arena = arena;
        this.area = area;
        this.numQueues = numQueues;
        this.queueSize = queueSize;
    }

    /** Bytes one queue's region takes. */
    public static long queueRegionSize(int queueSize) {
        long raw = HEADER_SIZE + (long) DESC_STATE_SIZE * queueSize;
        return (raw + ALIGNMENT - 1) & -ALIGNMENT;
    }

    public static long totalSize(int numQueues, int queueSize) {
        return queueRegionSize(queueSize) * numQueues;
    }

    /** Bytes one packed queue's region takes ({@code QueueRegionPacked}). */
    public static long packedQueueRegionSize(int queueSize) {
        long raw = PACKED_HEADER_SIZE + (long) PACKED_DESC_STATE_SIZE * queueSize;
        return (raw + ALIGNMENT - 1) & -ALIGNMENT;
    }

    /** The buffer size GET_INFLIGHT_FD answers: split or packed layout, as the acked features say (as DPDK does). */
    public static long totalSize(int numQueues, int queueSize, boolean packed) {
        return (packed ? packedQueueRegionSize(queueSize) : queueRegionSize(queueSize)) * numQueues;
    }

    /** A fresh, zeroed buffer for GET_INFLIGHT_FD; the returned fd is the caller's to send and close. */
    public static Created create(int numQueues, int queueSize) throws ErrnoException {
        return create(numQueues, queueSize, false);
    }

    /** The same, laid out for packed rings when {@code packed}. */
    public static Created create(int numQueues, int queueSize, boolean packed) throws ErrnoException {
        long size = totalSize(numQueues, queueSize, packed);
        Fd fd = Memfd.create("virtwire-inflight", size);
        try {
            return new Created(map(fd, size, 0, numQueues, queueSize), fd);
        } catch (ErrnoException | RuntimeException e) {
            fd.close();
            throw e;
        }
    }

    /** The buffer and its fd, as GET_INFLIGHT_FD answers them. */
    public record Created(InflightRegion region, Fd fd) {
    }

    /**
     * Maps a buffer received with SET_INFLIGHT_FD (the fd is only borrowed).
     *
     * @throws IllegalArgumentException if the area is too small for the queues it claims to track, or the file
     *                                  is shorter than the area
     */
    public static InflightRegion map(Fd fd, long mmapSize, long mmapOffset, int numQueues, int queueSize)
            throws ErrnoException {
        long needed = totalSize(numQueues, queueSize);
        if (mmapSize < needed) {
            throw new IllegalArgumentException("inflight area of " + mmapSize + " bytes is smaller than the " + needed
                    + " bytes " + numQueues + " queues of " + queueSize + " entries need");
        }
        if (mmapOffset < 0 || mmapOffset + mmapSize < 0) {
            throw new IllegalArgumentException("inflight mmap offset " + Long.toUnsignedString(mmapOffset) + " + size "
                    + mmapSize + " exceeds the largest file offset");
        }
        FileStat stat = FileStat.of(fd);
        if (stat.isRegularFile() && stat.size() < mmapOffset + mmapSize) {
            // touching past the end of the file would fault
            throw new IllegalArgumentException("inflight file holds " + stat.size() + " bytes, the area ends at "
                    + (mmapOffset + mmapSize));
        }
        long page = Mman.pageSize();
        long length = (mmapOffset + mmapSize + page - 1) & -page;
        Arena arena = Arena.ofShared();
        try {
            MemorySegment whole = Mman.mapShared(fd, 0, length, arena);
            return new InflightRegion(arena, whole.asSlice(mmapOffset, mmapSize), numQueues, queueSize);
        } catch (ErrnoException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public int numQueues() {
        return numQueues;
    }

    public int queueSize() {
        return queueSize;
    }

    /** Queue {@code index}'s region, or null if the buffer does not track that queue. */
    MemorySegment queueRegion(int index) {
        if (index < 0 || index >= numQueues) {
            return null;
        }
        long size = queueRegionSize(queueSize);
        return area.asSlice(index * size, size);
    }

    /**
     * Queue {@code index}'s packed region, or null if the buffer does not track that queue or is too small for the
     * packed layout (a buffer created before the front-end acked RING_PACKED: that ring then runs untracked).
     */
    MemorySegment packedQueueRegion(int index) {
        long size = packedQueueRegionSize(queueSize);
        if (index < 0 || index >= numQueues || area.byteSize() < size * numQueues) {
            return null;
        }
        return area.asSlice(index * size, size);
    }

    @Override
    public void close() {
        arena.close();
    }
}
