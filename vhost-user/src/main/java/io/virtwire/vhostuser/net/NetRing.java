package io.virtwire.vhostuser.net;

import io.virtwire.linux.ErrnoException;
import io.virtwire.linux.EventFd;
import io.virtwire.virtio.queue.DescriptorChain;
import io.virtwire.virtio.queue.Virtqueue;

/**
 * One ring of a queue pair as the data path sees it: the queue with its kick and call, and its counters. Every
 * field is written under the pair's lock; the counters are read racily by {@link VhostUserNetDevice#queuePairCounters}
 * and {@link #started} without the lock (it is what lets an egress burst check "up" without a lock round trip).
 */
final class NetRing {

    final int index;
    Virtqueue queue;
    EventFd kick;
    EventFd call;
    /** {@code queue != null}, published for readers that do not take the lock. */
    volatile boolean started;
    long frames;
    long bytes;
    /** From-guest ring: frames the guest sent that were refused. To-guest ring: frames dropped for lack of buffers. */
    long dropped;
    /** To-guest ring: frames larger than the buffers the guest posted. */
    long tooBig;
    /** To-guest ring: of {@link #frames}, those copied straight from another guest's buffer ({@link GuestToGuestPath}). */
    long direct;
    /** To-guest ring only: chains taken for a frame that did not fit yet, kept for the next frame. */
    final DescriptorChain[] stash;
    int stashed;

    NetRing(int index, int stashSize) {
        this.index = index;
        this.stash = new DescriptorChain[stashSize];
        for (int i = 0; i < stashSize; i++) {
            stash[i] = new DescriptorChain();
        }
    }

    /** Signals the guest if the ring asks for it (EVENT_IDX or the driver's flag). */
    void notifyGuest(BrokenLatch broken) {
        if (call != null && queue.needsNotification()) {
            try {
                call.signal();
            } catch (ErrnoException e) {
                broken.mark("ring " + index + ": call fd failed: " + e.getMessage());
            }
        }
    }

    /** Gives the stashed chains back with {@code length} bytes used and publishes them. */
    void completeStash(long length) {
        for (int i = 0; i < stashed; i++) {
            queue.addUsed(stash[i], length);
        }
        stashed = 0;
        queue.publishUsed();
    }
}
