package io.virtwire.vhostuser.backend;

import io.virtwire.linux.ErrnoException;
import io.virtwire.linux.EventFd;
import io.virtwire.vhostuser.protocol.ProtocolFeature;
import io.virtwire.vhostuser.protocol.VirtioFeature;
import io.virtwire.virtio.queue.IovaMemory;
import io.virtwire.virtio.queue.MappedQueue;
import io.virtwire.virtio.queue.PackedQueue;
import io.virtwire.virtio.queue.QueueConfigException;
import io.virtwire.virtio.queue.SplitQueue;
import io.virtwire.virtio.queue.Virtqueue;

import java.lang.foreign.MemorySegment;

/**
 * Builds the queue a device is handed for a ready ring, the same way for both memory models ({@link RingMemory}):
 * locate the ring parts, ask for a missing translation (and wait), build the split or packed queue, put it at the
 * ring position, wrap it for inflight tracking and then for dirty logging, and wire SET_VRING_ERR to its broken
 * latch. Before, plain and translated rings each had a copy of this stack, and the copies drifted: only the plain
 * one resumed a split ring at used.idx.
 */
final class QueueAssembler {

    /** What was built: the queue the device gets, and the split or packed queue inside it. */
    record Assembled(Virtqueue queue, MappedQueue core) {
    }

    private final FeatureNegotiation features;
    private final SessionMemory memory;
    private final MigrationState migration;
    private final IovaMemory.MissListener onMiss;
    private final SessionLog log;
    private final String name;

    QueueAssembler(FeatureNegotiation features, SessionMemory memory, MigrationState migration,
                   IovaMemory.MissListener onMiss, SessionLog log, String name) {
        this.features = features;
        this.memory = memory;
        this.migration = migration;
        this.onMiss = onMiss;
        this.log = log;
        this.name = name;
    }

    /**
     * @return the queue for ring {@code v}, or null if a ring part waits for an IOTLB translation: the front-end
     *         has been asked, and {@code v.startFailure} says what the ring waits for
     * @throws QueueConfigException or {@link io.virtwire.memory.GuestMemoryException} if the ring cannot start
     */
    Assembled assemble(Vring v) {
        boolean translated = features.accessPlatform();
        boolean logging = migration.logging(features.has(VirtioFeature.VHOST_F_LOG_ALL));
        if (translated && logging) {
            throw new QueueConfigException("dirty logging (VHOST_F_LOG_ALL) under VIRTIO_F_ACCESS_PLATFORM is not "
                    + "implemented: the log needs guest-physical addresses, the rings carry IOVAs");
        }
        RingMemory ringMemory = memory.forRings(translated, onMiss);
        int size = (int) v.num;
        boolean packed = features.packed();
        RingMemory.Addresses at = ringMemory.locate(v.addr);
        RingMemory.Miss miss = ringMemory.firstMissing(at, size, packed);
        if (miss != null) {
            // not a failure: no retry until the next IOTLB_MSG (or configuration change) makes one worth trying
            v.startFailure = "ring " + v.index + " waits for the IOTLB translation of iova 0x"
                    + Long.toHexString(miss.iova()) + (miss.write() ? " (write)" : " (read)");
            onMiss.miss(miss.iova(), miss.write());
            return null;
        }
        boolean eventIdx = features.has(VirtioFeature.VIRTIO_F_RING_EVENT_IDX);
        MappedQueue core = ringMemory.queue(packed, size, at, eventIdx);
        MemorySegment inflight = migration.inflightRegion(v.index, core,
                features.has(ProtocolFeature.INFLIGHT_SHMFD));
        Virtqueue queue = switch (core) {
            case SplitQueue s -> positioned(v, s, inflight);
            case PackedQueue p -> positioned(v, p, inflight);
        };
        if (logging) {
            queue = migration.logged(queue, core, at);
        }
        watchErrors(v, core);
        return new Assembled(queue, core);
    }

    /**
     * A split ring resumes at SET_VRING_BASE, unless that cannot be where the ring stopped. A front-end reconnecting
     * to a restarted back-end without inflight tracking (DPDK's virtio-user in server mode sends 0) cannot know
     * where we stopped; the used ring in guest memory can: resume there, as DPDK's vhost library does. Chains taken
     * but never completed by the dead process are lost (the guest's TX frames were sent or dropped; RX buffers are
     * reposted by its driver). With an inflight buffer, the buffer knows better ({@link InflightSplitQueue}).
     */
    private Virtqueue positioned(Vring v, SplitQueue s, MemorySegment inflight) {
        int base = (int) (v.base & 0xFFFF);
        if (inflight == null && s.nextUsed() != base) {
            log.log(System.Logger.Level.INFO, name + ": ring " + v.index + ": SET_VRING_BASE " + base
                    + " but used.idx is " + s.nextUsed() + "; resuming at used.idx");
            base = s.nextUsed();
        }
        s.setNextAvail(base);
        return inflight == null ? s : new InflightSplitQueue(s, inflight);
    }

    /**
     * The low half of a packed ring's base is the next avail slot and wrap counter. The used side restarts there
     * too, as DPDK's vhost and rust-vmm do: nothing is in flight when a ring starts, and DPDK's virtio-user sends 0
     * in the high half (QEMU sends the used position, which is then the same). With an inflight buffer from a
     * back-end that died, the buffer's positions win ({@link InflightPackedQueue}).
     */
    private static Virtqueue positioned(Vring v, PackedQueue p, MemorySegment inflight) {
        p.setVringBase((int) (v.base & 0xFFFF));
        return inflight == null ? p : new InflightPackedQueue(p, inflight);
    }

    /**
     * SET_VRING_ERR: the ring's error eventfd is signalled when its queue latches broken. The fd cannot change
     * while the queue runs (SET_VRING_ERR pauses its ring), so the data-path thread may signal the one captured here.
     */
    private void watchErrors(Vring v, MappedQueue core) {
        EventFd err = v.err;
        if (err == null) {
            return;
        }
        String ring = name + " ring " + v.index;
        core.onBroken(() -> {
            try {
                err.signal();
            } catch (ErrnoException e) {
                log.log(System.Logger.Level.WARNING, ring + ": cannot signal the error eventfd: " + e.getMessage());
            }
        });
    }
}
