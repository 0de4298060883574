package io.virtwire.virtio.queue;

import io.virtwire.memory.GuestMemory;

/**
 * What split and packed queues share: the guest memory their rings and buffers are in (one view, or a readable and
 * a writable IOMMU view under VIRTIO_F_ACCESS_PLATFORM), the latch that marks a queue broken for good, and the
 * wait for an IOTLB translation after a miss. The ring formats themselves live in the two subclasses.
 */
public abstract sealed class MappedQueue implements Virtqueue permits SplitQueue, PackedQueue {

    final int size;
    GuestMemory memory;
    /** Same object as {@link #memory} unless built on an {@link IovaMemory}. */
    GuestMemory writeMemory;
    /** Non-null only under VIRTIO_F_ACCESS_PLATFORM. */
    final IovaMemory.MissListener missListener;
    String brokenReason;
    private long lastMissIova = -1;
    private boolean lastMissWrite;
    private Runnable onBroken;

    MappedQueue(int size, IovaMemory.MissListener missListener) {
        this.size = size;
        this.missListener = missListener;
    }

    /**
     * Resolves the rings in {@code mem} (read) and {@code writeMem} (written) and keeps both views.
     *
     * @throws QueueConfigException if a ring is not mapped with the permission it needs
     */
    abstract void mapRings(GuestMemory mem, GuestMemory writeMem);

    @Override
    public final void setMemory(GuestMemory newMemory) {
        try {
            mapRings(newMemory, newMemory);
        } catch (QueueConfigException e) {
            markBroken("after a memory table change: " + e.getMessage());
            throw e;
        }
    }

    @Override
    public final GuestMemory memory() {
        return memory;
    }

    @Override
    public final int size() {
        return size;
    }

    /** An IOTLB miss: ask once per distinct address, and report nothing available until the queue is rebuilt. */
    final ChainStatus waitForTranslation(DescriptorChain chain) {
        long iova = chain.missIova();
        boolean write = chain.missWrite();
        chain.clear(ChainStatus.END, memory, writeMemory, true);
        if (iova != lastMissIova || write != lastMissWrite) {
            lastMissIova = iova;
            lastMissWrite = write;
            missListener.miss(iova, write);
        }
        return ChainStatus.END;
    }

    /** Whether the last pop stopped at an IOTLB miss and the queue waits for the front-end's translation. */
    public final boolean awaitingTranslation() {
        return lastMissIova != -1;
    }

    @Override
    public final boolean isBroken() {
        return brokenReason != null;
    }

    @Override
    public final String brokenReason() {
        return brokenReason;
    }

    @Override
    public final void markBroken(String reason) {
        if (brokenReason == null) {
            brokenReason = reason;
            Runnable listener = onBroken;
            if (listener != null) {
                listener.run();
            }
        }
    }

    /**
     * Runs {@code listener} once, on the thread that latches this queue broken (vhost-user signals the ring's
     * SET_VRING_ERR eventfd from it). Set it before the queue is handed to a data-path thread.
     */
    public final void onBroken(Runnable listener) {
        this.onBroken = listener;
    }
}
