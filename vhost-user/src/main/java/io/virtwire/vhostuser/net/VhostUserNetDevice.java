package io.virtwire.vhostuser.net;

import io.virtwire.linux.ErrnoException;
import io.virtwire.linux.EventFd;
import io.virtwire.linux.Fd;
import io.virtwire.vhostuser.backend.VhostUserDevice;
import io.virtwire.vhostuser.protocol.ProtocolFeature;
import io.virtwire.vhostuser.protocol.ProtocolFeatures;
import io.virtwire.vhostuser.protocol.VirtioFeature;
import io.virtwire.vhostuser.protocol.VirtioFeatures;
import io.virtwire.virtio.net.DirectPeer;
import io.virtwire.virtio.net.ForwardCounts;
import io.virtwire.virtio.net.FrameRoute;
import io.virtwire.virtio.net.Offloads;
import io.virtwire.virtio.net.PacketBurst;
import io.virtwire.virtio.net.Wakeup;
import io.virtwire.virtio.queue.Virtqueue;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A minimal virtio-net device behind a vhost-user session, moving {@link PacketBurst}es: rings {@code 2k} are the
 * guest's receive queues (to the guest), {@code 2k+1} its transmit queues (from the guest), virtio 1.x 5.1.2, one
 * {@link QueuePair} per {@code queuePairs}. Frames carry a 12-byte header (VERSION_1 / MRG_RXBUF) or the 10-byte
 * legacy one; receive buffers are merged when MRG_RXBUF is negotiated.
 *
 * <p>This class is the device offer and ring start/stop; the work is in its parts, each named by its direction:
 * {@link FromGuestPath} ({@link #fromGuest}), {@link ToGuestPath} ({@link #toGuest}), {@link KickWaiter}
 * ({@link #awaitWork}, {@link #armKicks}) and {@link NetHeaderPolicy}.
 *
 * <p>Offloads (only when constructed with {@code offloads}): CSUM, GUEST_CSUM, HOST_TSO4/6, HOST_ECN,
 * GUEST_TSO4/6, GUEST_ECN are offered. A header the guest sends is checked against the frame and the negotiated
 * features and travels with the frame in the {@link PacketBurst}; a bad one drops the frame
 * ({@link #offloadRefused()}). Towards the guest only offloads it negotiated are delivered: a partial checksum it
 * did not ask for is completed here; a GSO frame it cannot take is dropped ({@link #offloadUndeliverable()};
 * callers such as the forwarder segment such frames before, see {@link #toGuestOffloads()}). A guest that
 * negotiated no offload (always so without {@code offloads}) cannot ask for one: the header it sends is not read
 * at all, and its frames travel with a zero header.
 *
 * <p>Threading: each queue pair has its own lock, taken once per burst, and by {@link #queueStarted} and
 * {@link #queueStopped} for its rings (holding it is how the session's pause waits for the data path to let go of a
 * ring). One thread may poll the whole device ({@link #fromGuest(PacketBurst)}, {@link #awaitWork}), or several
 * threads a pair each ({@link #fromGuest(int, PacketBurst)}, {@link #armKicks(int)}); {@link #toGuest} may be
 * called by any thread, and concurrent callers go to different pairs when they can. {@link #isUp()} reads a flag
 * the ring start/stop keeps, so an egress burst takes exactly one lock.
 *
 * <p>Hostile guests: a malformed chain or a guest-memory fault (a memfd the front-end shrank after we mapped it,
 * reported by the JVM as {@link InternalError}) marks this device broken: it stops moving frames and says why in
 * {@link #brokenReason()}. Nothing is thrown into the caller's loop, and other devices in the process are not
 * affected. Frames longer than the burst's slot, chains shorter than the header and frames whose header fails the
 * offload check (an offload the guest did not negotiate, fields outside the frame) are dropped and counted.
 */
public final class VhostUserNetDevice implements VhostUserDevice, DirectPeer, AutoCloseable {

    private final String name;
    private final int queuePairs;
    private final int maxQueueSize;
    private final long features;
    private final boolean offloads;
    private final BrokenLatch broken;
    private final QueuePair[] pairs;
    private final KickWaiter kicks;

    private volatile long ackedFeatures;
    /** {@link Offloads} the guest takes, from the acked features. */
    private volatile int guestReceives;
    /** Rings 0 and 1 are started: half of the "up" a port reports, kept by ring start/stop, read without a lock. */
    private volatile boolean up;
    /** Where the next {@link #fromGuest(PacketBurst)} starts, so no pair starves the others; its thread's only. */
    private int nextFromGuestPair;
    /**
     * Where the next {@link #toGuest} starts looking: a hint, written by any caller without a lock (a lost update
     * only changes which pair a burst goes to).
     */
    private int nextToGuestPair;
    /** SEND_RARP: an announcement the next {@link #fromGuest} hands out as if the guest had sent it. */
    private final AtomicReference<byte[]> pendingRarp = new AtomicReference<>();
    private final AtomicLong rarpAnnounced = new AtomicLong();
    /** Frames for the guest that no ring could take (none started, device broken); in no pair's counters. */
    private final AtomicLong toGuestUnplaced = new AtomicLong();

    /**
     * @param queuePairs   1..128 receive/transmit pairs
     * @param maxQueueSize largest ring the guest may configure (QEMU's default is 256, its maximum 1024)
     */
    public VhostUserNetDevice(String name, int queuePairs, int maxQueueSize) throws ErrnoException {
        this(name, queuePairs, maxQueueSize, false);
    }

    /**
     * @param offloads offer checksum and TCP segmentation offloads both ways (from-guest bursts must then have
     *                 {@link PacketBurst#LARGE_SLOT_SIZE} slots to take the guest's GSO frames)
     */
    public VhostUserNetDevice(String name, int queuePairs, int maxQueueSize, boolean offloads) throws ErrnoException {
        if (queuePairs < 1 || queuePairs > 128) {
            throw new IllegalArgumentException("queue pairs " + queuePairs + " is outside 1..128");
        }
        this.name = name;
        this.queuePairs = queuePairs;
        this.maxQueueSize = maxQueueSize;
        this.offloads = offloads;
        VirtioFeatures f = VirtioFeatures.of(VirtioFeature.VIRTIO_F_VERSION_1, VirtioFeature.VIRTIO_NET_F_MRG_RXBUF,
                VirtioFeature.VIRTIO_F_RING_EVENT_IDX, VirtioFeature.VIRTIO_F_RING_INDIRECT_DESC,
                VirtioFeature.VIRTIO_F_RING_PACKED, VirtioFeature.VHOST_F_LOG_ALL, VirtioFeature.VIRTIO_F_ACCESS_PLATFORM);
        if (queuePairs > 1) {
            f = f.with(VirtioFeature.VIRTIO_NET_F_MQ);
        }
        if (offloads) {
            f = f.with(VirtioFeature.VIRTIO_NET_F_CSUM).with(VirtioFeature.VIRTIO_NET_F_GUEST_CSUM)
                    .with(VirtioFeature.VIRTIO_NET_F_HOST_TSO4).with(VirtioFeature.VIRTIO_NET_F_HOST_TSO6)
                    .with(VirtioFeature.VIRTIO_NET_F_HOST_ECN).with(VirtioFeature.VIRTIO_NET_F_GUEST_TSO4)
                    .with(VirtioFeature.VIRTIO_NET_F_GUEST_TSO6).with(VirtioFeature.VIRTIO_NET_F_GUEST_ECN);
        }
        this.features = f.bits();
        this.broken = new BrokenLatch(name);
        this.pairs = new QueuePair[queuePairs];
        for (int p = 0; p < queuePairs; p++) {
            pairs[p] = new QueuePair(p, broken);
        }
        this.kicks = new KickWaiter(pairs, broken);
    }

    public String name() {
        return name;
    }

    // ------------------------------------------------------------------------------------------ VhostUserDevice

    @Override
    public long features() {
        return features;
    }

    @Override
    public long protocolFeatures() {
        // LOG_SHMFD: the session wraps rings in a dirty-logging queue while VHOST_F_LOG_ALL is acked.
        // BACKEND_REQ + REPLY_ACK: QEMU demands both before it accepts ACCESS_PLATFORM (IOTLB misses travel there).
        return ProtocolFeatures.of(ProtocolFeature.MQ, ProtocolFeature.REPLY_ACK, ProtocolFeature.CONFIGURE_MEM_SLOTS,
                ProtocolFeature.INFLIGHT_SHMFD, ProtocolFeature.STATUS, ProtocolFeature.RESET_DEVICE,
                ProtocolFeature.LOG_SHMFD, ProtocolFeature.BACKEND_REQ, ProtocolFeature.RARP).bits();
    }

    @Override
    public int numQueues() {
        return queuePairs * 2;
    }

    @Override
    public long queueNumReply() {
        return queuePairs;
    }

    @Override
    public int maxQueueSize() {
        return maxQueueSize;
    }

    @Override
    public void featuresAcked(long acked) {
        ackedFeatures = acked;
        guestReceives = Offloads.guestReceives(acked & features);
    }

    /** Whether this device was built to offer offloads. */
    public boolean offersOffloads() {
        return offloads;
    }

    /**
     * The {@link Offloads} the connected guest takes (what frames given to {@link #toGuest} may carry without
     * being completed or dropped here); {@link Offloads#NONE} before negotiation.
     */
    public int toGuestOffloads() {
        return guestReceives;
    }

    @Override
    public void queueStarted(int index, Virtqueue queue, EventFd kickFd, EventFd callFd) {
        QueuePair p = pairs[index / 2];
        p.lock.lock();
        try {
            p.headers.configure(ackedFeatures, features);
            NetRing ring = p.ring(index);
            ring.queue = queue;
            ring.kick = kickFd;
            ring.call = callFd;
            ring.stashed = 0;
            ring.started = true;
            if (p.pair == 0) {
                updateUp();
            }
            // A polled ring needs no kicks, and each kick costs the driver a syscall (a DPDK virtio-user
            // frontend otherwise writes the kick eventfd on every receive refill: ~28k syscalls/s in the
            // benchmark loop). To-guest kicks are never needed: a frame with no buffer is dropped, not held.
            // From-guest kicks are asked for again only while the data path sleeps (awaitWork).
            queue.disableNotification();
            kicks.watch(ring);
        } catch (ErrnoException e) {
            markBroken("cannot watch ring " + index + "'s kick fd: " + e.getMessage());
        } catch (InternalError e) {
            markBroken("guest memory fault starting ring " + index + " (memory shrunk under us?): " + e.getMessage());
        } finally {
            p.lock.unlock();
        }
    }

    @Override
    public void queueStopped(int index) {
        QueuePair p = pairs[index / 2];
        p.lock.lock();
        try {
            NetRing ring = p.ring(index);
            kicks.unwatch(ring);
            // stashed to-guest chains stay unused: the ring position saved by the session still counts them as
            // taken, so return them empty rather than lose them
            if (ring.stashed > 0 && ring.queue != null) {
                ring.completeStash(0);
            }
            ring.queue = null;
            ring.kick = null;
            ring.call = null;
            ring.started = false;
            if (p.pair == 0) {
                updateUp();
            }
        } finally {
            p.lock.unlock();
        }
    }

    /**
     * SEND_RARP (after live migration, for a guest without GUEST_ANNOUNCE): the next {@link #fromGuest} returns a
     * broadcast RARP from {@code mac} ahead of the guest's frames, so whatever switches this port learns the MAC
     * here. A second request before that burst replaces the first.
     */
    @Override
    public void sendRarp(byte[] mac) {
        pendingRarp.set(RarpFrame.announce(mac));
        wakeUp();
    }

    @Override
    public void sessionClosed() {
        // a new front-end starts from a clean slate; a device broken by the last guest works again
        broken.clear();
    }

    // ------------------------------------------------------------------------------------------ state

    /**
     * Whether the device can move frames: its first queue pair's rings are started and it is not broken. A
     * volatile read, kept by ring start/stop and the broken latch, so checking it costs no lock.
     */
    public boolean isUp() {
        return up && !broken.isSet();
    }

    /** Only under pair 0's lock (its rings changed), so that two writers cannot leave a stale answer. */
    private void updateUp() {
        up = pairs[0].toGuest.started && pairs[0].fromGuest.started;
    }

    public boolean isBroken() {
        return broken.isSet();
    }

    public String brokenReason() {
        return broken.reason();
    }

    private void markBroken(String reason) {
        broken.mark(reason);
    }

    /** Whether ring {@code index} is started (a volatile read, no lock). */
    public boolean isStarted(int index) {
        return pairs[index / 2].ring(index).started;
    }

    // ------------------------------------------------------------------------------------------ from the guest

    /**
     * From the guest, every pair in turn (starting one further each burst, so no pair starves the others) →
     * {@code burst}: appends as many frames as fit and returns how many it appended. One lock round trip per pair.
     */
    public int fromGuest(PacketBurst burst) {
        if (broken.isSet()) {
            return 0;
        }
        int added = takeRarp(burst);
        for (int n = 0; n < queuePairs && !burst.isFull(); n++) {
            int pair = nextFromGuestPair;
            nextFromGuestPair = pair + 1 == queuePairs ? 0 : pair + 1;
            added += fromGuestPair(pairs[pair], burst);
        }
        return added;
    }

    /**
     * From the guest, queue pair {@code pair} only → {@code burst}: for a caller that spreads the pairs over
     * several threads, each from-guest ring drained by exactly one of them. Pairs have their own locks and scratch,
     * so the threads of different pairs run in parallel.
     */
    public int fromGuest(int pair, PacketBurst burst) {
        if (broken.isSet()) {
            return 0;
        }
        return takeRarp(burst) + fromGuestPair(pairs[pair], burst);
    }

    /** A pending RARP announcement first, taken by exactly one caller. */
    private int takeRarp(PacketBurst burst) {
        byte[] rarp = pendingRarp.get();
        if (rarp == null || burst.isFull() || !pendingRarp.compareAndSet(rarp, null)) {
            return 0;
        }
        burst.add(rarp);
        rarpAnnounced.incrementAndGet();
        return 1;
    }

    private int fromGuestPair(QueuePair p, PacketBurst burst) {
        String fault = null;
        p.lock.lock();
        try {
            return broken.isSet() ? 0 : p.fromGuestPath.drain(burst);
        } catch (InternalError e) {
            fault = e.getMessage();
            markBroken("guest memory fault from the guest (memory shrunk under us?): " + fault);
            return 0;
        } finally {
            p.lock.unlock();
            if (fault != null) {
                breakAllRings("guest memory fault: " + fault);
            }
        }
    }

    /**
     * From the guest, queue pair {@code pair}, straight into other guests where {@code route} says: each frame
     * copied once, from this guest's buffer into the receiving guest's, with no staging copy
     * ({@link GuestToGuestPath}); up to {@code burst.capacity()} frames. The route is asked per batch (holding
     * this pair's lock, so it must not take device locks); a batch it sends nowhere directly is left whole in
     * {@code burst} for the caller to forward the staged way, and so is everything when the receiver's pair is busy
     * on another thread (never waited for). Frames and drops are those of {@link #fromGuest(int, PacketBurst)}
     * then {@code toGuest}, and so are both devices' counters.
     *
     * <p>Returns false, having taken nothing, when this guest cannot go this way now (it sends offloads, so its
     * headers are read; a RARP announcement is pending; its ring is not started): the caller takes the staged way.
     * A fault in either guest's memory breaks that guest's device only.
     *
     * @param burst  empty; holds on return the frames left to the caller
     * @param counts what moved, set when true is returned
     */
    public boolean forwardTo(int pair, FrameRoute route, PacketBurst burst, ForwardCounts counts) {
        counts.clear();
        if (broken.isSet() || pendingRarp.get() != null || burst.count() != 0) {
            return false;
        }
        QueuePair a = pairs[pair];
        GuestToGuestPath.GuestFault fault = null;
        a.lock.lock();
        try {
            if (broken.isSet() || a.fromGuest.queue == null || !a.headers.headerIgnored()) {
                return false;
            }
            a.guestToGuest.forward(a, broken, route, burst, counts);
            return true;
        } catch (GuestToGuestPath.GuestFault f) {
            fault = f;
            return true;
        } finally {
            a.lock.unlock();
            if (fault != null) {
                VhostUserNetDevice faulted = fault.sender ? this : fault.receiver;
                String reason = "guest memory fault " + (fault.sender ? "from" : "to")
                        + " the guest (memory shrunk under us?): " + fault.getMessage();
                faulted.markBroken(reason);
                faulted.breakAllRings("guest memory fault: " + fault.getMessage());
            }
        }
    }

    /** Tests: every pair's {@link GuestToGuestPath} takes plain records whatever pages the memory is on. */
    void recordsOnAnyPages() {
        for (QueuePair p : pairs) {
            p.guestToGuest.recordsOnAnyPages();
        }
    }

    /**
     * For a sender's {@link GuestToGuestPath}: a started to-guest pair whose lock is free now, locked; null if none
     * is (never waits) or this device is broken.
     */
    QueuePair tryLockDirectPair() {
        QueuePair p = broken.isSet() ? null : lockToGuestPair(false);
        if (p != null && broken.isSet()) {
            p.lock.unlock(); // broken while we took it: as toGuest, nothing more goes to this guest
            return null;
        }
        return p;
    }

    BrokenLatch broken() {
        return broken;
    }

    /** Latches every started ring broken (their SET_VRING_ERR eventfds fire), each under its pair's lock. */
    private void breakAllRings(String reason) {
        for (QueuePair p : pairs) {
            p.lock.lock();
            try {
                p.breakRings(reason);
            } finally {
                p.lock.unlock();
            }
        }
    }

    // ------------------------------------------------------------------------------------------ to the guest

    /**
     * {@code burst} → the guest: into one started pair's to-guest ring (pairs in turn; a pair another thread is
     * delivering to is passed over while another is free). Frames that cannot be delivered now (no guest buffers)
     * are dropped.
     *
     * @return frames delivered
     */
    public int toGuest(PacketBurst burst) {
        if (broken.isSet()) {
            toGuestUnplaced.addAndGet(burst.count());
            return 0;
        }
        QueuePair p = lockToGuestPair(true);
        if (p == null) {
            toGuestUnplaced.addAndGet(burst.count());
            return 0;
        }
        String fault = null;
        try {
            if (broken.isSet()) {
                toGuestUnplaced.addAndGet(burst.count());
                return 0;
            }
            return p.toGuestPath.deliver(burst);
        } catch (InternalError e) {
            fault = e.getMessage();
            markBroken("guest memory fault to the guest (memory shrunk under us?): " + fault);
            return 0;
        } finally {
            p.lock.unlock();
            if (fault != null) {
                breakAllRings("guest memory fault: " + fault);
            }
        }
    }

    /**
     * The next started to-guest pair, locked: a free one if any, else (if {@code wait}) the first started one, once
     * its holder lets go; null if none is.
     */
    private QueuePair lockToGuestPair(boolean wait) {
        int start = nextToGuestPair;
        if (start >= queuePairs) {
            start = 0;
        }
        QueuePair busy = null;
        for (int n = 0; n < queuePairs; n++) {
            int i = start + n < queuePairs ? start + n : start + n - queuePairs;
            QueuePair p = pairs[i];
            if (!p.toGuest.started) {
                continue;
            }
            if (p.lock.tryLock()) {
                if (p.toGuest.queue != null) {
                    nextToGuestPair = i + 1;
                    return p;
                }
                p.lock.unlock();
            } else if (busy == null) {
                busy = p;
            }
        }
        if (wait && busy != null) {
            busy.lock.lock();
            if (busy.toGuest.queue != null) {
                nextToGuestPair = busy.pair + 1;
                return busy;
            }
            busy.lock.unlock();
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------ kicks

    /**
     * Sleeps until a guest kicks, a ring starts or stops, or {@code timeoutMillis} pass; asks the guest to kick
     * first, and returns at once if it added buffers meanwhile. Call when a burst found nothing to do.
     */
    public void awaitWork(int timeoutMillis) {
        kicks.await(timeoutMillis);
    }

    /**
     * First half of {@link #awaitWork} for a thread that sleeps on several devices at once: asks the guest to kick
     * on its from-guest rings. Then sleep until {@link #pollFd()} is readable (it is an epoll fd, which can be added
     * to the caller's own epoll), and call {@link #disarmKicks()} when awake.
     */
    public Wakeup armKicks() {
        return kicks.arm();
    }

    /** Second half of {@link #awaitWork}: consumes pending kicks without blocking and turns kicks off again. */
    public void disarmKicks() {
        kicks.disarm();
    }

    /** {@link #armKicks()} for queue pair {@code pair}'s from-guest ring only; sleep on {@link #pollFd(int)}. */
    public Wakeup armKicks(int pair) {
        return kicks.arm(pair);
    }

    /** {@link #disarmKicks()} for queue pair {@code pair}: drains its kick and wake, turns its kicks off again. */
    public void disarmKicks(int pair) {
        kicks.disarm(pair);
    }

    /** Readable while pair {@code pair}'s from-guest kick, its ring change or a {@link #wakeUp()} is pending. */
    public Fd pollFd(int pair) {
        return kicks.pollFd(pair);
    }

    /** Readable while a kick, a ring change or a {@link #wakeUp()} is pending: an epoll fd, nestable in another epoll. */
    public Fd pollFd() {
        return kicks.pollFd();
    }

    /** Wakes a thread in {@link #awaitWork}, and every thread sleeping on a {@link #pollFd(int)}. */
    public void wakeUp() {
        kicks.wakeUp();
    }

    // ------------------------------------------------------------------------------------------ counters

    /** Frames taken from the guest (RARP announcements not counted). */
    public long fromGuestFrames() {
        return sumOverPairs(p -> p.fromGuest.frames);
    }

    /** Frames the guest sent that were refused (malformed, offload not negotiated, too long). */
    public long fromGuestDropped() {
        return sumOverPairs(p -> p.fromGuest.dropped);
    }

    /** Frames delivered into the guest. */
    public long toGuestFrames() {
        return sumOverPairs(p -> p.toGuest.frames);
    }

    /**
     * Of {@link #toGuestFrames()}, those copied straight from another guest's buffer ({@link #forwardTo}): one copy
     * guest to guest, no staging.
     */
    public long toGuestDirectFrames() {
        return sumOverPairs(p -> p.toGuest.direct);
    }

    /** Queue pair {@code index}, for tests of this package that hold its lock. */
    QueuePair pair(int index) {
        return pairs[index];
    }

    /** Frames for the guest that were dropped: no buffers, too big, undeliverable offload, no ring, broken. */
    public long toGuestDropped() {
        return toGuestUnplaced.get() + sumOverPairs(p -> p.toGuest.dropped + p.toGuest.tooBig);
    }

    // read by the stats and metrics threads; the lambdas capture nothing, so a read allocates nothing
    private long sumOverPairs(java.util.function.ToLongFunction<QueuePair> counter) {
        long n = 0;
        for (QueuePair p : pairs) {
            n += counter.applyAsLong(p);
        }
        return n;
    }

    /** RARP announcements handed out after SEND_RARP. */
    public long rarpAnnounced() {
        return rarpAnnounced.get();
    }

    public int queuePairs() {
        return queuePairs;
    }

    /** Counters of queue pair {@code pair} (rings {@code 2*pair} and {@code 2*pair+1}), read without locking. */
    public QueuePairCounters queuePairCounters(int pair) {
        return pairs[pair].counters();
    }

    /** Frames the guest sent whose virtio-net header failed the offload check (also in {@link #fromGuestDropped()}). */
    public long offloadRefused() {
        return sumOverPairs(p -> p.headers.offloadRefused);
    }

    /** Frames for the guest that needed segmentation it did not negotiate (also in {@link #toGuestDropped()}). */
    public long offloadUndeliverable() {
        return sumOverPairs(p -> p.headers.offloadUndeliverable);
    }

    /** Call after the data-path threads and the session have stopped. */
    @Override
    public void close() {
        kicks.close();
    }
}
