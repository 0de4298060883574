package io.virtwire.vhostuser.net;

import io.virtwire.linux.Epoll;
import io.virtwire.linux.ErrnoException;
import io.virtwire.linux.EventFd;
import io.virtwire.vhostuser.backend.VhostUserDevice;
import io.virtwire.vhostuser.protocol.ProtocolFeature;
import io.virtwire.vhostuser.protocol.ProtocolFeatures;
import io.virtwire.vhostuser.protocol.VirtioFeature;
import io.virtwire.vhostuser.protocol.VirtioFeatures;
import io.virtwire.virtio.net.CopyBatch;
import io.virtwire.virtio.net.HeaderFault;
import io.virtwire.virtio.net.InternetChecksum;
import io.virtwire.virtio.net.OffloadCheck;
import io.virtwire.virtio.net.Offloads;
import io.virtwire.virtio.net.PacketBurst;
import io.virtwire.virtio.net.VirtioNetFeatures;
import io.virtwire.virtio.net.VirtioNetHeader;
import io.virtwire.virtio.queue.ChainStatus;
import io.virtwire.virtio.queue.DescriptorChain;
import io.virtwire.virtio.queue.Virtqueue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A minimal virtio-net device behind a vhost-user session, moving {@link PacketBurst}es: rings {@code 2k} are the
 * guest's receive queues, {@code 2k+1} its transmit queues (virtio 1.x 5.1.2), one pair per
 * {@code queuePairs}. Frames carry a 12-byte header (VERSION_1 / MRG_RXBUF) or the 10-byte legacy one; receive
 * buffers are merged when MRG_RXBUF is negotiated.
 *
 * <p>Offloads (only when constructed with {@code offloads}): CSUM, GUEST_CSUM, HOST_TSO4/6, HOST_ECN,
 * GUEST_TSO4/6, GUEST_ECN are offered. A header the guest sends is checked against the frame and the negotiated
 * features ({@link OffloadCheck}) and travels with the frame in the {@link PacketBurst}; a bad one drops the frame
 * ({@link #offloadRefused()}). Towards the guest only offloads it negotiated are delivered: a partial checksum it
 * did not ask for is completed here; a GSO frame it cannot take is dropped ({@link #offloadUndeliverable()};
 * callers such as the forwarder segment such frames before, see {@link #receiveOffloads()}). A guest that
 * negotiated no offload (always so without {@code offloads}) cannot ask for one: the header it sends is not read
 * at all, and its frames travel with a zero header.
 *
 * <p>Threading: one data-path thread calls {@link #receiveBurst}, {@link #transmitBurst} and {@link #awaitWork}
 * (a forwarder's agent, or a test's poll loop). Each burst runs under a lock that {@link #queueStarted} and
 * {@link #queueStopped} also take: holding it is how the session's pause waits for the data path to let go of a
 * ring (the uncontended lock costs a CAS per burst and allocates nothing).
 *
 * <p>Hostile guests: a malformed chain or a guest-memory fault (a memfd the front-end shrank after we mapped it,
 * reported by the JVM as {@link InternalError}) marks this device broken: it stops moving frames and says why in
 * {@link #brokenReason()}. Nothing is thrown into the caller's loop, and other devices in the process are not
 * affected. Frames longer than the burst's slot, chains shorter than the header and frames whose header fails
 * {@link OffloadCheck} (an offload the guest did not negotiate, fields outside the frame) are dropped and counted.
 */
public final class VhostUserNetDevice implements VhostUserDevice, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(VhostUserNetDevice.class.getName());

    /**
     * Receive buffers one frame may be merged over. num_buffers allows 65535, but Linux posts buffers of at least
     * 1.5 KB (a page with big packets), so a {@link PacketBurst#SLOT_SIZE} frame needs at most 7 and a 64 KiB GSO
     * frame 44; 64 bounds the per-ring stash of taken chains.
     */
    static final int MAX_MERGED_BUFFERS = 64;

    private static final long WAKE = -1;
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final String name;
    private final int queuePairs;
    private final int maxQueueSize;
    private final long features;
    private final boolean offloads;
    private final OffloadCheck offloadCheck = new OffloadCheck();
    /** {@link Offloads} the guest may send / takes, from the acked features. */
    private volatile int guestSends;
    private volatile int guestReceives;
    private long offloadRefused;
    private long offloadUndeliverable;
    private final ReentrantLock dataPath = new ReentrantLock();
    private final Lane[] lanes;
    private final Epoll epoll;
    private final EventFd wake;
    /**
     * Per queue pair: an epoll holding that pair's transmit kick and its own wake eventfd, for a caller whose
     * threads each poll some pairs ({@link #receiveBurst(int, PacketBurst)}, {@link #armKicks(int)}). Separate
     * from {@link #epoll}: draining a kick through one pair's epoll must not swallow another pair's.
     */
    private final Epoll[] pairEpolls;
    private final EventFd[] pairWakes;
    private final MemorySegment header = Arena.ofAuto().allocate(VirtioNetHeader.SIZE, 8);
    private final VirtioNetHeader headerView = new VirtioNetHeader();
    /** Chains taken per transmit pass; see drainTransmit. */
    private static final int TX_BATCH = CopyBatch.CAPACITY;
    private final DescriptorChain[] txChains = new DescriptorChain[TX_BATCH];
    private final CopyBatch txCopies = new CopyBatch();
    private final CopyBatch rxCopies = new CopyBatch();
    /** Receive chains of one {@link #deliverBatch}. */
    private final DescriptorChain[] rxChains = new DescriptorChain[CopyBatch.CAPACITY];
    /** Per frame of a transmit batch: its copy came up short (memory vanished under the chain). */
    private final boolean[] copyFailed = new boolean[TX_BATCH];

    private volatile long ackedFeatures;
    private int headerSize = VirtioNetHeader.SIZE;
    private boolean mergeable;
    private int nextRxPair;
    private int nextTxPair;
    private volatile String brokenReason;
    /**
     * Where "device broken" goes: rate limited over the device's life like its sessions' log, since a guest that
     * breaks the device in every session it opens would otherwise write a line per session.
     */
    private final io.virtwire.vhostuser.backend.SessionLog brokenLog = new io.virtwire.vhostuser.backend.SessionLog(LOG);
    /** SEND_RARP: an announcement the next {@link #receiveBurst} hands out as if the guest had sent it. */
    private volatile byte[] pendingRarp;
    private long rarpAnnounced;

    private long rxFrames;
    private long txFrames;
    private long rxDropped;
    private long txDropped;

    /** One ring as the data path sees it. */
    private static final class Lane {
        Virtqueue queue;
        EventFd kick;
        EventFd call;
        /** RX only: chains taken for a frame that did not fit yet, kept for the next frame. */
        DescriptorChain[] stash;
        int stashed;
        // per-ring counters: written under the data-path lock, read racily by queuePairCounters
        long frames;
        long bytes;
        /** TX: frames the guest sent that were refused. RX: frames dropped for lack of buffers. */
        long dropped;
        /** RX: frames larger than the buffers the guest posted. */
        long tooBig;
    }

    /**
     * @param queuePairs   1..128 receive/transmit pairs
     * @param maxQueueSize largest ring the guest may configure (QEMU's default is 256, its maximum 1024)
     */
    public VhostUserNetDevice(String name, int queuePairs, int maxQueueSize) throws ErrnoException {
        this(name, queuePairs, maxQueueSize, false);
    }

    /**
     * @param offloads offer checksum and TCP segmentation offloads both ways (receive bursts must then have
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
        for (int i = 0; i < TX_BATCH; i++) {
            txChains[i] = new DescriptorChain();
            rxChains[i] = new DescriptorChain();
        }
        this.lanes = new Lane[queuePairs * 2];
        for (int i = 0; i < lanes.length; i++) {
            lanes[i] = new Lane();
            if (isRx(i)) {
                lanes[i].stash = new DescriptorChain[MAX_MERGED_BUFFERS];
                for (int j = 0; j < MAX_MERGED_BUFFERS; j++) {
                    lanes[i].stash[j] = new DescriptorChain();
                }
            }
        }
        this.epoll = Epoll.create(lanes.length + 1);
        this.pairEpolls = new Epoll[queuePairs];
        this.pairWakes = new EventFd[queuePairs];
        EventFd createdWake = null;
        try {
            createdWake = EventFd.create();
            epoll.add(createdWake.fd(), Epoll.EPOLLIN, WAKE);
            for (int p = 0; p < queuePairs; p++) {
                pairEpolls[p] = Epoll.create(2);
                pairWakes[p] = EventFd.create();
                pairEpolls[p].add(pairWakes[p].fd(), Epoll.EPOLLIN, WAKE);
            }
        } catch (ErrnoException | RuntimeException e) {
            closePairPolls();
            if (createdWake != null) {
                createdWake.close();
            }
            epoll.close();
            throw e;
        }
        this.wake = createdWake;
    }

    private void closePairPolls() {
        for (int p = 0; p < queuePairs; p++) {
            if (pairEpolls[p] != null) {
                pairEpolls[p].close();
            }
            if (pairWakes[p] != null) {
                pairWakes[p].close();
            }
        }
    }

    private static boolean isRx(int index) {
        return (index & 1) == 0;
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
        guestSends = Offloads.guestSends(acked & features);
        guestReceives = Offloads.guestReceives(acked & features);
    }

    /** Whether this device was built to offer offloads. */
    public boolean offersOffloads() {
        return offloads;
    }

    /**
     * The {@link Offloads} the connected guest takes on receive (what frames given to {@link #transmitBurst} may
     * carry without being completed or dropped here); {@link Offloads#NONE} before negotiation.
     */
    public int receiveOffloads() {
        return guestReceives;
    }

    @Override
    public void queueStarted(int index, Virtqueue queue, EventFd kickFd, EventFd callFd) {
        dataPath.lock();
        try {
            long acked = ackedFeatures;
            headerSize = VirtioNetFeatures.netHeaderSize(acked);
            mergeable = VirtioNetFeatures.has(acked, VirtioNetFeatures.MRG_RXBUF);
            Lane lane = lanes[index];
            lane.queue = queue;
            lane.kick = kickFd;
            lane.call = callFd;
            lane.stashed = 0;
            // A polled ring needs no kicks, and each kick costs the driver a syscall (a DPDK virtio-user
            // frontend otherwise writes the kick eventfd on every receive refill: ~28k syscalls/s in the
            // benchmark loop). Receive kicks are never needed: a frame with no buffer is dropped, not held.
            // Transmit kicks are asked for again only while the data path sleeps (awaitWork).
            queue.disableNotification();
            if (kickFd != null) {
                epoll.add(kickFd.fd(), Epoll.EPOLLIN, index);
                if (!isRx(index)) {
                    pairEpolls[index / 2].add(kickFd.fd(), Epoll.EPOLLIN, index);
                }
            }
            wake.signal();
            pairWakes[index / 2].signal();
        } catch (ErrnoException e) {
            markBroken("cannot watch ring " + index + "'s kick fd: " + e.getMessage());
        } catch (InternalError e) {
            markBroken("guest memory fault starting ring " + index + " (memory shrunk under us?): " + e.getMessage());
        } finally {
            dataPath.unlock();
        }
    }

    @Override
    public void queueStopped(int index) {
        dataPath.lock();
        try {
            Lane lane = lanes[index];
            if (lane.kick != null) {
                try {
                    epoll.delete(lane.kick.fd());
                } catch (ErrnoException e) {
                    // not registered (registration failed): nothing to undo
                }
                if (!isRx(index)) {
                    try {
                        pairEpolls[index / 2].delete(lane.kick.fd());
                    } catch (ErrnoException e) {
                        // not registered
                    }
                }
            }
            // stashed RX chains stay unused: the ring position saved by the session still counts them as taken,
            // so return them empty rather than lose them
            if (lane.stashed > 0 && lane.queue != null) {
                completeStash(lane, 0);
            }
            lane.queue = null;
            lane.kick = null;
            lane.call = null;
        } finally {
            dataPath.unlock();
        }
    }

    /**
     * SEND_RARP (after live migration, for a guest without GUEST_ANNOUNCE): the next {@link #receiveBurst} returns a
     * broadcast RARP from {@code mac} ahead of the guest's frames, so whatever switches this port learns the MAC
     * here. A second request before that burst replaces the first.
     */
    @Override
    public void sendRarp(byte[] mac) {
        pendingRarp = RarpFrame.announce(mac);
        wakeUp();
    }

    @Override
    public void sessionClosed() {
        // a new front-end starts from a clean slate; a device broken by the last guest works again
        brokenReason = null;
    }

    // ------------------------------------------------------------------------------------------ data path

    public boolean isBroken() {
        return brokenReason != null;
    }

    public String brokenReason() {
        return brokenReason;
    }

    private void markBroken(String reason) {
        if (brokenReason == null) {
            brokenReason = reason;
            brokenLog.log(System.Logger.Level.WARNING, name + ": device broken, no more frames: " + reason);
        }
    }

    /** Latches every started ring broken (their SET_VRING_ERR eventfds fire); under the data-path lock. */
    private void breakQueues(String reason) {
        for (Lane lane : lanes) {
            if (lane.queue != null) {
                lane.queue.markBroken(reason);
            }
        }
    }

    /** Guest transmit → {@code burst}: appends as many frames as fit and returns how many it appended. */
    public int receiveBurst(PacketBurst burst) {
        return takeTransmit(ALL_PAIRS, burst);
    }

    /**
     * Guest transmit of queue pair {@code pair} only → {@code burst}: for a caller that spreads the pairs over
     * several threads, each ring drained by exactly one of them. Bursts of different pairs still take this device's
     * one data-path lock in turn (the copy scratch and the receive side are shared), so they are safe together;
     * what runs in parallel is everything after the burst (switching, transmitting elsewhere).
     */
    public int receiveBurst(int pair, PacketBurst burst) {
        return takeTransmit(pair, burst);
    }

    /** {@link #takeTransmit}'s "every pair, in turn" (a pair number is never negative). */
    private static final int ALL_PAIRS = -1;

    /**
     * Both {@code receiveBurst}s: a pending RARP first, then pair {@code onlyPair}'s transmit ring, or with
     * {@link #ALL_PAIRS} every pair's, starting one further each burst so no pair starves the others. One lock
     * round trip either way.
     */
    private int takeTransmit(int onlyPair, PacketBurst burst) {
        dataPath.lock();
        try {
            if (brokenReason != null) {
                return 0;
            }
            int announced = 0;
            byte[] rarp = pendingRarp;
            if (rarp != null && !burst.isFull()) {
                pendingRarp = null;
                burst.add(rarp);
                rarpAnnounced++;
                announced = 1;
            }
            int added = 0;
            if (onlyPair != ALL_PAIRS) {
                added = drainPair(onlyPair, burst);
            } else {
                for (int n = 0; n < queuePairs && !burst.isFull(); n++) {
                    int pair = nextTxPair;
                    nextTxPair = pair + 1 == queuePairs ? 0 : pair + 1;
                    added += drainPair(pair, burst);
                }
            }
            txFrames += added;
            return added + announced;
        } catch (InternalError e) {
            markBroken("guest memory fault on transmit (memory shrunk under us?): " + e.getMessage());
            breakQueues("guest memory fault: " + e.getMessage());
            return 0;
        } finally {
            dataPath.unlock();
        }
    }

    /** Drains pair {@code pair}'s transmit ring into {@code burst} and counts on its lane; under the data-path lock. */
    private int drainPair(int pair, PacketBurst burst) {
        Lane lane = lanes[pair * 2 + 1];
        if (lane.queue == null) {
            return 0;
        }
        int first = burst.count();
        long refusedBefore = txDropped;
        int taken = drainTransmit(pair * 2 + 1, lane, burst);
        for (int i = first; i < first + taken; i++) {
            lane.bytes += burst.length(i);
        }
        lane.frames += taken;
        lane.dropped += txDropped - refusedBefore;
        return taken;
    }

    private int drainTransmit(int index, Lane lane, PacketBurst burst) {
        Virtqueue q = lane.queue;
        DescriptorChain[] chains = txChains;
        int added = 0;
        boolean any = false;
        boolean more = true;
        while (more && !burst.isFull()) {
            // Per batch: take the chains (descriptor reads), then copy the frames in one tight loop (CopyBatch),
            // then check headers and return the chains. A pass loading one byte of each frame first (a stand-in
            // for DPDK's prefetch) gained nothing (docs/benchmarks.md, optimisation log 2).
            int want = Math.min(TX_BATCH, burst.capacity() - burst.count());
            int taken = 0;
            while (taken < want) {
                ChainStatus s = q.pop(chains[taken]);
                if (s == ChainStatus.END) {
                    more = false;
                    break;
                }
                if (s == ChainStatus.MALFORMED) {
                    markBroken("ring " + index + ": " + q.brokenReason());
                    return added;
                }
                taken++;
            }
            added += takeFrames(q, chains, taken, burst);
            any |= taken > 0;
        }
        if (any) {
            q.publishUsed();
            notifyGuest(index, lane);
        }
        return added;
    }

    /**
     * Copies the frames of {@code taken} chains into {@code burst}, checks their headers and returns the chains to
     * the guest; returns the frames appended. Frames that are one buffer in one region (the usual case) are copied
     * together by {@link #txCopies}; the rest the general way. A frame dropped after its copy (short copy, refused
     * header) leaves a gap that the following frames close, so the burst keeps the guest's order.
     */
    private int takeFrames(Virtqueue q, DescriptorChain[] chains, int taken, PacketBurst burst) {
        int first = burst.count();
        // A guest that negotiated no offload can ask for none: its header is not even read (DPDK's vhost library
        // does the same). It usually sits in a cache line of its own in front of the frame, written by the other
        // core, so reading it cost a miss per frame (docs/benchmarks.md, change 17).
        boolean headerIgnored = guestSends == Offloads.NONE;
        CopyBatch copies = txCopies;
        copies.clear();
        MemorySegment data = burst.data();
        for (int i = 0; i < taken; i++) {
            DescriptorChain chain = chains[i];
            long readable = chain.readableBytes();
            long frameLength = readable - headerSize;
            if (frameLength <= 0 || frameLength > burst.slotSize()) {
                txDropped++;
                continue;
            }
            // with offloads, header and frame in one copy: the header lands in the slot's headroom, where it is
            // checked; without, the frame alone (the burst's header stays zero)
            int slot = burst.append((int) frameLength);
            long skip = headerIgnored ? headerSize : 0;
            long at = burst.offset(slot) - headerSize + skip;
            long length = readable - skip;
            int region = chain.readableRegion();
            boolean planned = region >= 0 && copies.add(chain.memory(), region, chain.segmentAddress(0) + skip, at, length);
            copyFailed[slot - first] = !planned && chain.copyFromReadable(skip, data, at, length) != length;
        }
        copies.copyFromGuest(data);
        int kept = first;
        for (int slot = first; slot < burst.count(); slot++) {
            if (copyFailed[slot - first] || (!headerIgnored && !acceptHeader(burst, slot))) {
                txDropped++;
                continue;
            }
            if (kept != slot) {
                burst.moveFrame(slot, kept);
            }
            kept++;
        }
        burst.truncate(kept);
        for (int i = 0; i < taken; i++) {
            q.addUsed(chains[i], 0);
        }
        return kept - first;
    }

    /** Makes the header of a transmitted frame the burst's: false if the frame must be dropped. */
    private boolean acceptHeader(PacketBurst burst, int slot) {
        MemorySegment data = burst.data();
        long h = burst.headerOffset(slot);
        if (headerSize != VirtioNetHeader.SIZE) {
            // legacy 10-byte header: move it to where the burst keeps headers
            MemorySegment.copy(data, burst.offset(slot) - headerSize, data, h, VirtioNetHeader.LEGACY_SIZE);
        }
        if (!burst.hasOffload(slot)) {
            // nothing asked: whatever else the guest wrote in the header goes nowhere
            data.set(ValueLayout.JAVA_LONG_UNALIGNED, h, 0L);
            data.set(ValueLayout.JAVA_INT_UNALIGNED, h + 8, 0);
            return true;
        }
        if (refuseOffload(data, h, burst.offset(slot), burst.length(slot))) {
            return false;
        }
        // num_buffers is meaningless on transmit and never trusted
        data.set(ValueLayout.JAVA_SHORT_UNALIGNED, h + VirtioNetHeader.NUM_BUFFERS, (short) 0);
        return true;
    }

    /** Checks a header the guest sent (it asks for something); true if the frame must be dropped. */
    private boolean refuseOffload(MemorySegment data, long header, long frame, int length) {
        HeaderFault fault = offloadCheck.check(data, header, frame, length, guestSends);
        if (fault != null) {
            offloadRefused++;
            return true;
        }
        // DATA_VALID means nothing on transmit: never pass a guest's claim on
        int flags = data.get(ValueLayout.JAVA_BYTE, header + VirtioNetHeader.FLAGS) & ~VirtioNetHeader.F_DATA_VALID;
        data.set(ValueLayout.JAVA_BYTE, header + VirtioNetHeader.FLAGS, (byte) flags);
        return false;
    }

    /**
     * Makes frame {@code i}'s header fit what the guest negotiated: a partial checksum is completed and DATA_VALID
     * dropped for a guest without GUEST_CSUM; false if the frame needs segmentation the guest cannot do.
     */
    private boolean fitOffloads(PacketBurst burst, int i) {
        MemorySegment data = burst.data();
        long h = burst.headerOffset(i);
        int flags = data.get(ValueLayout.JAVA_BYTE, h + VirtioNetHeader.FLAGS) & 0xFF;
        int gsoType = data.get(ValueLayout.JAVA_BYTE, h + VirtioNetHeader.GSO_TYPE) & 0xFF;
        if (Offloads.fits(flags, gsoType, guestReceives)) {
            return true;
        }
        if (gsoType != VirtioNetHeader.GSO_NONE) {
            offloadUndeliverable++;
            return false;
        }
        if ((flags & VirtioNetHeader.F_NEEDS_CSUM) != 0) {
            headerView.wrap(data, h);
            int length = burst.length(i);
            if (headerView.csumStart() + headerView.csumOffset() + 2L > length) {
                offloadUndeliverable++;
                return false;
            }
            InternetChecksum.completePartial(data, burst.offset(i), length, headerView.csumStart(), headerView.csumOffset());
        }
        data.set(ValueLayout.JAVA_LONG_UNALIGNED, h, 0L);
        data.set(ValueLayout.JAVA_SHORT_UNALIGNED, h + 8, (short) 0);
        return true;
    }

    /**
     * {@code burst} → guest receive: frames that cannot be delivered now (no guest buffers) are dropped.
     *
     * @return frames delivered
     */
    public int transmitBurst(PacketBurst burst) {
        dataPath.lock();
        try {
            if (brokenReason != null) {
                rxDropped += burst.count();
                return 0;
            }
            int index = -1;
            for (int n = 0; n < queuePairs; n++) {
                int pair = nextRxPair;
                nextRxPair = pair + 1 == queuePairs ? 0 : pair + 1;
                if (lanes[pair * 2].queue != null) {
                    index = pair * 2;
                    break;
                }
            }
            if (index < 0) {
                rxDropped += burst.count();
                return 0;
            }
            Lane lane = lanes[index];
            int sent = 0;
            int tooBig = 0;
            int i = 0;
            while (i < burst.count() && lane.stashed == 0 && headerSize == VirtioNetHeader.SIZE) {
                int delivered = deliverBatch(index, lane, burst, i);
                for (int j = i; j < i + delivered; j++) {
                    lane.bytes += burst.length(j);
                }
                sent += delivered;
                i += delivered;
                if (delivered < CopyBatch.CAPACITY) {
                    break; // the rest, if any, needs the general path (or there are no buffers)
                }
            }
            for (; i < burst.count(); i++) {
                if (burst.hasOffload(i) && !fitOffloads(burst, i)) {
                    continue; // counted as dropped below
                }
                int length = burst.length(i);
                int r = deliver(index, lane, burst.data(), burst.offset(i), length);
                if (r < 0) {
                    break; // no buffers or broken: drop the rest of the burst
                }
                sent += r;
                if (r == 0) {
                    tooBig++;
                } else {
                    lane.bytes += length;
                }
            }
            lane.frames += sent;
            lane.tooBig += tooBig;
            lane.dropped += burst.count() - sent - tooBig;
            lane.queue.publishUsed();
            notifyGuest(index, lane);
            rxFrames += sent;
            rxDropped += burst.count() - sent;
            return sent;
        } catch (InternalError e) {
            markBroken("guest memory fault on receive (memory shrunk under us?): " + e.getMessage());
            breakQueues("guest memory fault: " + e.getMessage());
            return 0;
        } finally {
            dataPath.unlock();
        }
    }

    /**
     * Delivers frames {@code from}, {@code from + 1}, ... of {@code burst} into one receive buffer each, copied
     * together by {@link #rxCopies}, as long as they are the usual case: no offload to fit, and a buffer the guest
     * posted that holds header and frame in one region. Stops at the first frame that is not (a buffer already
     * taken for it waits in the lane's stash for {@link #deliver}), when the guest has no more buffers, or after
     * {@link CopyBatch#CAPACITY} frames. Only for the 12-byte header, whose num_buffers is written in place.
     *
     * @return frames delivered
     */
    private int deliverBatch(int index, Lane lane, PacketBurst burst, int from) {
        Virtqueue q = lane.queue;
        DescriptorChain[] chains = rxChains;
        CopyBatch copies = rxCopies;
        copies.clear();
        MemorySegment data = burst.data();
        int end = Math.min(burst.count(), from + CopyBatch.CAPACITY);
        int n = 0;
        for (int i = from; i < end && !burst.hasOffload(i); i++) {
            DescriptorChain c = chains[n];
            ChainStatus s = q.pop(c);
            if (s == ChainStatus.END) {
                break;
            }
            if (s == ChainStatus.MALFORMED) {
                markBroken("ring " + index + ": " + q.brokenReason());
                break;
            }
            long at = burst.offset(i) - VirtioNetHeader.SIZE;
            long need = VirtioNetHeader.SIZE + (long) burst.length(i);
            int region = c.writableRegion();
            if (region < 0 || c.writableBytes() < need
                    || !copies.add(c.writeMemory(), region, c.segmentAddress(c.readableCount()), at, need)) {
                // not the usual buffer: the general path takes this frame with the chain already taken
                chains[n] = lane.stash[0];
                lane.stash[0] = c;
                lane.stashed = 1;
                break;
            }
            data.set(LE_SHORT, at + VirtioNetHeader.NUM_BUFFERS, (short) 1);
            n++;
        }
        copies.copyToGuest(data);
        for (int k = 0; k < n; k++) {
            q.addUsed(chains[k], VirtioNetHeader.SIZE + (long) burst.length(from + k));
        }
        return n;
    }

    /**
     * Delivers the frame at {@code offset} of a {@link PacketBurst}'s data with the header in front of it (the
     * burst's layout; its num_buffers is ours to write).
     *
     * @return 1 delivered, 0 dropped (does not fit any buffers), -1 stop (no buffers now, or broken)
     */
    private int deliver(int index, Lane lane, MemorySegment frames, long offset, int length) {
        Virtqueue q = lane.queue;
        long need = (long) headerSize + length;
        long have = 0;
        for (int i = 0; i < lane.stashed; i++) {
            have += lane.stash[i].writableBytes();
        }
        int limit = mergeable ? MAX_MERGED_BUFFERS : 1;
        while (have < need && lane.stashed < limit) {
            DescriptorChain c = lane.stash[lane.stashed];
            ChainStatus s = q.pop(c);
            if (s == ChainStatus.END) {
                return -1; // keep what we took for when the guest adds more
            }
            if (s == ChainStatus.MALFORMED) {
                markBroken("ring " + index + ": " + q.brokenReason());
                return -1;
            }
            lane.stashed++;
            have += c.writableBytes();
        }
        if (have < need) {
            // the buffers the guest gave cannot hold this frame: drop it; without merging keep the buffer for a
            // smaller frame, with merging give them back empty (the driver drops a short buffer)
            if (mergeable) {
                completeStash(lane, 0);
            }
            return 0;
        }
        int used = lane.stashed;
        if (used == 1) {
            // one buffer holds it all (the usual case): the header goes into the headroom in front of the frame
            // (PacketBurst.HEADROOM), and header and frame reach the guest in one copy
            DescriptorChain c = lane.stash[0];
            long at = offset - headerSize;
            if (headerSize == VirtioNetHeader.SIZE) {
                frames.set(LE_SHORT, at + VirtioNetHeader.NUM_BUFFERS, (short) 1);
            } else {
                // legacy 10-byte header: the burst keeps 12 bytes in front of the frame, num_buffers last
                MemorySegment.copy(frames, offset - VirtioNetHeader.SIZE, frames, at, VirtioNetHeader.LEGACY_SIZE);
            }
            long n = c.copyToWritable(0, frames, at, need);
            q.addUsed(c, n);
            lane.stashed = 0;
            return n == need ? 1 : 0;
        }
        // header first (num_buffers = chains used), then the frame, each chain filled before the next
        MemorySegment hdr = header;
        MemorySegment.copy(frames, offset - VirtioNetHeader.SIZE, hdr, 0, VirtioNetHeader.SIZE);
        headerView.wrap(hdr, 0);
        if (headerSize == VirtioNetHeader.SIZE) {
            headerView.numBuffers(used);
        }
        long written = 0;
        long frameDone = 0;
        for (int i = 0; i < used; i++) {
            DescriptorChain c = lane.stash[i];
            long room = c.writableBytes();
            long inChain = 0;
            if (i == 0) {
                inChain = c.copyToWritable(0, hdr, 0, headerSize);
            }
            long n = Math.min(room - inChain, length - frameDone);
            if (n > 0) {
                inChain += c.copyToWritable(inChain, frames, offset + frameDone, n);
                frameDone += n;
            }
            q.addUsed(c, inChain);
            written += inChain;
        }
        lane.stashed = 0;
        return written == need ? 1 : 0;
    }

    private void completeStash(Lane lane, long length) {
        for (int i = 0; i < lane.stashed; i++) {
            lane.queue.addUsed(lane.stash[i], length);
        }
        lane.stashed = 0;
        lane.queue.publishUsed();
    }

    private void notifyGuest(int index, Lane lane) {
        if (lane.call != null && lane.queue.needsNotification()) {
            try {
                lane.call.signal();
            } catch (ErrnoException e) {
                markBroken("ring " + index + ": call fd failed: " + e.getMessage());
            }
        }
    }

    /**
     * Sleeps until a guest kicks, a ring starts or stops, or {@code timeoutMillis} pass; asks the guest to kick
     * first, and returns at once if it added buffers meanwhile. Call when a burst found nothing to do.
     */
    public void awaitWork(int timeoutMillis) {
        int arm = armKicks();
        if (arm == ARMED_WORK_PENDING) {
            return;
        }
        drainReady(epoll, wake, arm == ARMED_POLLING ? Math.min(1, timeoutMillis) : timeoutMillis);
        disarmKicks();
    }

    /** {@link #armKicks()}: kicks are enabled, sleep until {@link #pollFd()} is readable. */
    public static final int ARMED = 0;
    /** {@link #armKicks()}: the guest added work meanwhile; do not sleep. */
    public static final int ARMED_WORK_PENDING = 1;
    /** {@link #armKicks()}: a ring has no kick fd (the front-end asked us to poll): sleep at most a millisecond. */
    public static final int ARMED_POLLING = 2;

    /**
     * First half of {@link #awaitWork} for a thread that sleeps on several devices at once: asks the guest to kick
     * on its transmit rings. Then sleep until {@link #pollFd()} is readable (it is an epoll fd, which can be added
     * to the caller's own epoll), and call {@link #disarmKicks()} when awake.
     *
     * @return {@link #ARMED}, {@link #ARMED_WORK_PENDING} or {@link #ARMED_POLLING}
     */
    public int armKicks() {
        boolean polling = false;
        dataPath.lock();
        try {
            for (int i = 1; i < lanes.length; i += 2) {
                Lane lane = lanes[i];
                if (lane.queue != null) {
                    if (lane.kick == null) {
                        polling = true; // NOFD: the front-end wants us to poll
                    }
                    if (lane.queue.enableNotification()) {
                        return ARMED_WORK_PENDING;
                    }
                }
            }
        } catch (InternalError e) {
            markBroken("guest memory fault: " + e.getMessage());
        } finally {
            dataPath.unlock();
        }
        return polling ? ARMED_POLLING : ARMED;
    }

    /** Second half of {@link #awaitWork}: consumes pending kicks without blocking and turns kicks off again. */
    public void disarmKicks() {
        drainReady(epoll, wake, 0);
        disableKicks(0, queuePairs);
    }

    /** {@link #armKicks()} for queue pair {@code pair}'s transmit ring only; sleep on {@link #pollFd(int)}. */
    public int armKicks(int pair) {
        dataPath.lock();
        try {
            Lane lane = lanes[pair * 2 + 1];
            if (lane.queue == null) {
                return ARMED;
            }
            if (lane.queue.enableNotification()) {
                return ARMED_WORK_PENDING;
            }
            return lane.kick == null ? ARMED_POLLING : ARMED;
        } catch (InternalError e) {
            markBroken("guest memory fault: " + e.getMessage());
            return ARMED;
        } finally {
            dataPath.unlock();
        }
    }

    /** {@link #disarmKicks()} for queue pair {@code pair}: drains its kick and wake, turns its kicks off again. */
    public void disarmKicks(int pair) {
        drainReady(pairEpolls[pair], pairWakes[pair], 0);
        disableKicks(pair, pair + 1);
    }

    /** Turns kicks off again on the transmit rings of pairs {@code fromPair..toPair-1}, in one lock round trip. */
    private void disableKicks(int fromPair, int toPair) {
        dataPath.lock();
        try {
            for (int pair = fromPair; pair < toPair; pair++) {
                Lane lane = lanes[pair * 2 + 1];
                if (lane.queue != null) {
                    lane.queue.disableNotification();
                }
            }
        } catch (InternalError e) {
            markBroken("guest memory fault: " + e.getMessage());
        } finally {
            dataPath.unlock();
        }
    }

    /** Readable while pair {@code pair}'s transmit kick, its ring change or a {@link #wakeUp()} is pending. */
    public io.virtwire.linux.Fd pollFd(int pair) {
        return pairEpolls[pair].fd();
    }

    /** Readable while a kick, a ring change or a {@link #wakeUp()} is pending: an epoll fd, nestable in another epoll. */
    public io.virtwire.linux.Fd pollFd() {
        return epoll.fd();
    }

    /**
     * Waits up to {@code timeoutMillis} on {@code poll} (the device's or one pair's), then consumes what it reported:
     * its wake eventfd {@code wakeFd} and ring kicks.
     */
    private void drainReady(Epoll poll, EventFd wakeFd, int timeoutMillis) {
        try {
            int ready = poll.await(timeoutMillis);
            for (int i = 0; i < ready; i++) {
                long data = poll.data(i);
                if (data == WAKE) {
                    wakeFd.drain();
                } else {
                    drainKick(data);
                }
            }
        } catch (ErrnoException e) {
            markBroken("epoll failed: " + e.getMessage());
        }
    }

    private void drainKick(long data) throws ErrnoException {
        dataPath.lock();
        try {
            EventFd kick = lanes[(int) data].kick;
            if (kick != null) {
                kick.drain();
            }
        } finally {
            dataPath.unlock();
        }
    }

    /** Wakes a thread in {@link #awaitWork}, and every thread sleeping on a {@link #pollFd(int)}. */
    public void wakeUp() {
        try {
            wake.signal();
            for (EventFd w : pairWakes) {
                w.signal();
            }
        } catch (ErrnoException e) {
            // the counter is saturated: the waiter wakes anyway
        }
    }

    // ------------------------------------------------------------------------------------------ counters

    /** Frames the guest transmitted and we took. */
    public long guestTransmitted() {
        return txFrames;
    }

    /** RARP announcements handed out after SEND_RARP. */
    public long rarpAnnounced() {
        return rarpAnnounced;
    }

    /** Frames delivered into the guest. */
    public long guestReceived() {
        return rxFrames;
    }

    public long receiveDropped() {
        return rxDropped;
    }

    public long transmitDropped() {
        return txDropped;
    }

    public int queuePairs() {
        return queuePairs;
    }

    /** Counters of queue pair {@code pair} (rings {@code 2*pair} and {@code 2*pair+1}), read without locking. */
    public QueuePairCounters queuePairCounters(int pair) {
        Lane rx = lanes[pair * 2];
        Lane tx = lanes[pair * 2 + 1];
        return new QueuePairCounters(pair, tx.frames, tx.bytes, tx.dropped, rx.frames, rx.bytes, rx.dropped, rx.tooBig);
    }

    /** Frames the guest sent whose virtio-net header failed {@link OffloadCheck} (also in {@link #transmitDropped()}). */
    public long offloadRefused() {
        return offloadRefused;
    }

    /** Frames for the guest that needed segmentation it did not negotiate (also in {@link #receiveDropped()}). */
    public long offloadUndeliverable() {
        return offloadUndeliverable;
    }

    public boolean isStarted(int index) {
        dataPath.lock();
        try {
            return lanes[index].queue != null;
        } finally {
            dataPath.unlock();
        }
    }

    /** Call after the data-path thread and the session have stopped. */
    @Override
    public void close() {
        epoll.close();
        wake.close();
        closePairPolls();
    }
}
