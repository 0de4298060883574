package io.virtwire.vhostuser.backend;

import io.virtwire.vhostuser.memory.DirtyLog;
import io.virtwire.virtio.queue.DescriptorChain;
import io.virtwire.virtio.queue.Virtqueue;

/**
 * A queue that marks in the dirty log every guest page the device writes, while VHOST_F_LOG_ALL is acked (live
 * migration): the writable buffers of each used chain, up to the bytes written, and the ring area the device
 * writes (split: the used ring; packed: the descriptor ring and the device event area) on each publish. The ring
 * area is logged whole; a few extra pages copied cost less than a missed one. Devices need do nothing.
 *
 * <p>The spec's VHOST_VRING_F_LOG / log_guest_addr name the used ring's GPA; it is the address the session
 * translated from SET_VRING_ADDR, so that is what is logged.
 */
final class LoggingQueue extends DelegatingQueue<Virtqueue> {

    private final DirtyLog log;
    private final long[] ringGpas;
    private final long[] ringSizes;

    /** @param ringGpas/ringSizes the areas the device writes besides buffers */
    LoggingQueue(Virtqueue queue, DirtyLog log, long[] ringGpas, long[] ringSizes) {
        super(queue);
        this.log = log;
        this.ringGpas = ringGpas.clone();
        this.ringSizes = ringSizes.clone();
    }

    @Override
    public void addUsed(DescriptorChain chain, long writtenBytes) {
        queue.addUsed(chain, writtenBytes);
        long left = writtenBytes;
        for (int i = chain.readableCount(); i < chain.segmentCount() && left > 0; i++) {
            long n = Math.min(left, chain.segmentLength(i));
            log.mark(chain.segmentAddress(i), n);
            left -= n;
        }
    }

    @Override
    public void publishUsed() {
        queue.publishUsed();
        logRings();
    }

    @Override
    public boolean enableNotification() {
        boolean pending = queue.enableNotification();
        logRings(); // avail_event / device event area written
        return pending;
    }

    @Override
    public void disableNotification() {
        queue.disableNotification();
        logRings();
    }

    private void logRings() {
        for (int i = 0; i < ringGpas.length; i++) {
            log.mark(ringGpas[i], ringSizes[i]);
        }
    }

}
