package io.virtwire.vhostuser.backend;

import io.virtwire.linux.ErrnoException;
import io.virtwire.linux.Fd;
import io.virtwire.vhostuser.memory.DirtyLog;
import io.virtwire.virtio.queue.MappedQueue;
import io.virtwire.virtio.queue.PackedQueue;
import io.virtwire.virtio.queue.PackedRingLayout;
import io.virtwire.virtio.queue.SplitQueue;
import io.virtwire.virtio.queue.SplitRingLayout;
import io.virtwire.virtio.queue.Virtqueue;

import java.lang.foreign.MemorySegment;

/**
 * What the session keeps so the guest can move or the back-end can restart without losing a packet: the dirty log
 * (SET_LOG_BASE, live migration) and the inflight buffer (GET/SET_INFLIGHT_FD, a restarted back-end). Both reach
 * the device only as wrappers around its rings ({@link LoggingQueue}, {@link InflightSplitQueue},
 * {@link InflightPackedQueue}), which the queue assembler asks for here.
 */
final class MigrationState implements AutoCloseable {

    private DirtyLog log;
    private InflightRegion inflight;

    /** SET_LOG_BASE: maps the new log (the fd is borrowed), then drops the old one. */
    void mapLog(Fd fd, long size, long offset) throws ErrnoException {
        DirtyLog next = DirtyLog.map(fd, size, offset);
        closeLog();
        log = next;
    }

    /**
     * VHOST_F_LOG_ALL acked and a log to write: live migration is copying guest memory, so every page the device
     * writes must be marked.
     */
    boolean logging(boolean logAllAcked) {
        return log != null && logAllAcked;
    }

    /**
     * Wraps {@code queue} so it marks what the device writes: the used chains' buffers, and the ring area the
     * device writes (split: the used ring; packed: the descriptor ring and the device event area).
     *
     * @param at the ring's guest-physical addresses (the log is indexed by GPA)
     */
    Virtqueue logged(Virtqueue queue, MappedQueue core, RingMemory.Addresses at) {
        int size = core.size();
        return switch (core) {
            case SplitQueue _ -> new LoggingQueue(queue, log, new long[] {at.used()},
                    new long[] {SplitRingLayout.usedRingSize(size)});
            case PackedQueue _ -> new LoggingQueue(queue, log, new long[] {at.desc(), at.used()},
                    new long[] {PackedRingLayout.descRingSize(size), PackedRingLayout.EVENT_SIZE});
        };
    }

    /**
     * GET_INFLIGHT_FD: a fresh buffer replaces the old one. The caller has stopped every ring first, since rings
     * using the old buffer must let go of it before it is unmapped.
     */
    InflightRegion.Created createInflight(int numQueues, int queueSize, boolean packed) throws ErrnoException {
        InflightRegion.Created created = InflightRegion.create(numQueues, queueSize, packed);
        closeInflight();
        inflight = created.region();
        return created;
    }

    /** SET_INFLIGHT_FD: the buffer a previous back-end filled (the fd is borrowed). Every ring is paused. */
    void mapInflight(Fd fd, long mmapSize, long mmapOffset, int numQueues, int queueSize) throws ErrnoException {
        InflightRegion next = InflightRegion.map(fd, mmapSize, mmapOffset, numQueues, queueSize);
        closeInflight();
        inflight = next;
    }

    /**
     * Ring {@code index}'s region of the inflight buffer in {@code core}'s layout, or null when it runs untracked:
     * INFLIGHT_SHMFD not negotiated, no buffer, a buffer for smaller rings, or (packed) one too small for the
     * packed layout.
     */
    MemorySegment inflightRegion(int index, MappedQueue core, boolean negotiated) {
        if (!negotiated || inflight == null || inflight.queueSize() < core.size()) {
            return null;
        }
        return switch (core) {
            case SplitQueue _ -> inflight.queueRegion(index);
            case PackedQueue _ -> inflight.packedQueueRegion(index);
        };
    }

    private void closeLog() {
        if (log != null) {
            log.close();
            log = null;
        }
    }

    private void closeInflight() {
        if (inflight != null) {
            inflight.close();
            inflight = null;
        }
    }

    @Override
    public void close() {
        closeLog();
        closeInflight();
    }
}
