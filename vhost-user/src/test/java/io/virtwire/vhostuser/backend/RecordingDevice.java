package io.virtwire.vhostuser.backend;

import io.virtwire.linux.EventFd;
import io.virtwire.memory.GuestMemory;
import io.virtwire.vhostuser.protocol.ProtocolFeature;
import io.virtwire.vhostuser.protocol.ProtocolFeatures;
import io.virtwire.vhostuser.protocol.VirtioFeature;
import io.virtwire.vhostuser.protocol.VirtioFeatures;
import io.virtwire.virtio.queue.ChainStatus;
import io.virtwire.virtio.queue.DescriptorChain;
import io.virtwire.virtio.queue.Virtqueue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A device for session tests: records every callback, and lets the test thread play the data-path worker under
 * the same lock {@link #queueStopped} takes (the pause handshake in its simplest form).
 */
final class RecordingDevice implements VhostUserDevice {

    static final long FEATURES = VirtioFeatures.of(VirtioFeature.VIRTIO_F_VERSION_1, VirtioFeature.VIRTIO_F_RING_PACKED,
            VirtioFeature.VIRTIO_F_RING_EVENT_IDX, VirtioFeature.VIRTIO_NET_F_MTU).bits();

    final ReentrantLock dataPath = new ReentrantLock();
    final List<String> events = new ArrayList<>();
    final Virtqueue[] queues;
    final EventFd[] calls;
    private final int numQueues;
    private final long protocolFeatures;
    private final long features;
    volatile GuestMemory memory;
    volatile int mtu;
    volatile boolean closed;
    volatile long ackedFeatures;

    RecordingDevice(int numQueues) {
        this(numQueues, BackendSession.SUPPORTED_PROTOCOL_FEATURES);
    }

    RecordingDevice(int numQueues, long protocolFeatures) {
        this(numQueues, protocolFeatures, 0);
    }

    /** @param extraFeatures offered besides {@link #FEATURES} (e.g. ACCESS_PLATFORM, LOG_ALL) */
    RecordingDevice(int numQueues, long protocolFeatures, long extraFeatures) {
        this.numQueues = numQueues;
        this.protocolFeatures = protocolFeatures;
        this.features = FEATURES | extraFeatures;
        this.queues = new Virtqueue[numQueues];
        this.calls = new EventFd[numQueues];
    }

    static long allProtocolFeaturesBut(ProtocolFeature f) {
        return new ProtocolFeatures(BackendSession.SUPPORTED_PROTOCOL_FEATURES).without(f).bits();
    }

    @Override
    public long features() {
        return features;
    }

    @Override
    public long protocolFeatures() {
        return protocolFeatures;
    }

    @Override
    public int numQueues() {
        return numQueues;
    }

    @Override
    public int maxQueueSize() {
        return 1024;
    }

    @Override
    public void featuresAcked(long features) {
        ackedFeatures = features;
    }

    @Override
    public void onMemoryChanged(GuestMemory memory) {
        this.memory = memory;
        record("memory " + memory.regionCount());
    }

    @Override
    public void queueStarted(int index, Virtqueue queue, EventFd kickFd, EventFd callFd) {
        dataPath.lock();
        try {
            queues[index] = queue;
            calls[index] = callFd;
            record("started " + index);
        } finally {
            dataPath.unlock();
        }
    }

    @Override
    public void queueStopped(int index) {
        dataPath.lock();
        try {
            queues[index] = null;
            calls[index] = null;
            record("stopped " + index);
        } finally {
            dataPath.unlock();
        }
    }

    @Override
    public boolean setMtu(int mtu) {
        this.mtu = mtu;
        return mtu <= 9000;
    }

    @Override
    public java.util.Optional<byte[]> readConfig(int offset, int size) {
        byte[] config = new byte[12];
        config[10] = (byte) 0xDC; // mtu 1500 little-endian at offset 10
        config[11] = 0x05;
        if (offset + size > config.length) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(java.util.Arrays.copyOfRange(config, offset, offset + size));
    }

    @Override
    public void sessionClosed() {
        closed = true;
        record("closed");
    }

    private synchronized void record(String event) {
        events.add(event);
    }

    synchronized List<String> events() {
        return List.copyOf(events);
    }

    boolean isStarted(int index) {
        dataPath.lock();
        try {
            return queues[index] != null;
        } finally {
            dataPath.unlock();
        }
    }

    /**
     * Takes up to {@code take} chains from ring {@code index} and returns as used (in that order, published once)
     * those whose position in the take order is in {@code useOrder}; the rest stay in flight. Each chain is
     * described as "id:addr/len,addr/len..." so a resubmitted chain can be compared with the original.
     */
    List<String> workDescribed(int index, int take, List<Integer> useOrder) {
        dataPath.lock();
        try {
            Virtqueue q = queues[index];
            if (q == null) {
                throw new IllegalStateException("ring " + index + " is not started");
            }
            List<String> taken = new ArrayList<>();
            List<DescriptorChain> chains = new ArrayList<>();
            for (int i = 0; i < take; i++) {
                DescriptorChain chain = new DescriptorChain();
                if (q.pop(chain) != ChainStatus.OK) {
                    break;
                }
                StringBuilder d = new StringBuilder().append(chain.id()).append(':');
                for (int k = 0; k < chain.segmentCount(); k++) {
                    d.append(k == 0 ? "" : ",").append(Long.toHexString(chain.segmentAddress(k))).append('/')
                            .append(chain.segmentLength(k));
                }
                taken.add(d.toString());
                chains.add(chain);
            }
            for (int n : useOrder) {
                if (n < chains.size()) {
                    q.addUsed(chains.get(n), 0);
                }
            }
            q.publishUsed();
            return taken;
        } finally {
            dataPath.unlock();
        }
    }

    Virtqueue queue(int index) {
        dataPath.lock();
        try {
            return queues[index];
        } finally {
            dataPath.unlock();
        }
    }

    /**
     * Plays the worker: takes up to {@code take} chains from ring {@code index}, returns the first {@code use} of
     * them as used (published once), keeps the rest in flight. Returns the heads taken, in order.
     */
    List<Integer> work(int index, int take, int use) {
        dataPath.lock();
        try {
            Virtqueue q = queues[index];
            if (q == null) {
                throw new IllegalStateException("ring " + index + " is not started");
            }
            List<Integer> heads = new ArrayList<>();
            for (int i = 0; i < take; i++) {
                DescriptorChain chain = new DescriptorChain();
                ChainStatus s = q.pop(chain);
                if (s != ChainStatus.OK) {
                    break;
                }
                heads.add(chain.id());
                if (i < use) {
                    q.addUsed(chain, 0);
                }
            }
            q.publishUsed();
            return heads;
        } finally {
            dataPath.unlock();
        }
    }
}
