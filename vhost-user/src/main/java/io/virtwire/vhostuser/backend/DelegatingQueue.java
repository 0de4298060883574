package io.virtwire.vhostuser.backend;

import io.virtwire.memory.GuestMemory;
import io.virtwire.virtio.queue.ChainStatus;
import io.virtwire.virtio.queue.DescriptorChain;
import io.virtwire.virtio.queue.Virtqueue;

/**
 * A virtqueue that hands every operation to the queue it wraps: the session's decorators (dirty logging, inflight
 * tracking) extend it and override only the operations they add to.
 *
 * @param <Q> the wrapped queue's type, so a decorator can reach what only that ring layout has
 */
abstract class DelegatingQueue<Q extends Virtqueue> implements Virtqueue {

    protected final Q queue;

    DelegatingQueue(Q queue) {
        this.queue = queue;
    }

    @Override
    public int size() {
        return queue.size();
    }

    @Override
    public ChainStatus pop(DescriptorChain chain) {
        return queue.pop(chain);
    }

    @Override
    public void addUsed(DescriptorChain chain, long writtenBytes) {
        queue.addUsed(chain, writtenBytes);
    }

    @Override
    public void publishUsed() {
        queue.publishUsed();
    }

    @Override
    public void prefetch(int max) {
        queue.prefetch(max);
    }

    @Override
    public boolean needsNotification() {
        return queue.needsNotification();
    }

    @Override
    public boolean enableNotification() {
        return queue.enableNotification();
    }

    @Override
    public void disableNotification() {
        queue.disableNotification();
    }

    @Override
    public int vringBase() {
        return queue.vringBase();
    }

    @Override
    public void setVringBase(int base) {
        queue.setVringBase(base);
    }

    @Override
    public boolean isBroken() {
        return queue.isBroken();
    }

    @Override
    public String brokenReason() {
        return queue.brokenReason();
    }

    @Override
    public void markBroken(String reason) {
        queue.markBroken(reason);
    }

    @Override
    public GuestMemory memory() {
        return queue.memory();
    }

    @Override
    public void setMemory(GuestMemory memory) {
        queue.setMemory(memory);
    }
}
