package io.virtwire.vhostuser.net;

import io.virtwire.memory.GuestMemory;
import io.virtwire.virtio.net.HeldFrames;
import io.virtwire.virtio.net.PacketBurst;
import io.virtwire.virtio.queue.DescriptorChain;
import io.virtwire.virtio.queue.Virtqueue;

import java.lang.foreign.MemorySegment;

/**
 * The chains of one from-guest batch kept past the burst's return ({@link HeldFrames}): the guest's buffers stay
 * its, unreturned, and the pair's lock stays taken, until the burst lets go. While held, the memory table cannot
 * change (a table change pauses every ring, and pausing this pair's rings waits for its lock), so the region and
 * offset recorded for each frame, validated against the guest's regions when its chain was walked, stay valid;
 * descriptors the guest rewrites meanwhile are never read again (the chain is a copy).
 *
 * <p>Per frame: a region ≥ 0 means the burst holds its header and first {@link #HEAD} bytes, the rest is at
 * {@code offset + HEAD} in that region of {@link #memory()}; -1 means the frame is whole in the burst. One per
 * queue pair, used under its lock; allocates nothing.
 */
final class HeldChains implements HeldFrames {

    private static final int MAX = FromGuestPath.HELD_MAX;

    private final VhostUserNetDevice device;
    private final QueuePair pair;
    private final NetRing ring;
    private final BrokenLatch broken;
    private final DescriptorChain[] chains;
    private final int[] regions = new int[MAX];
    private final long[] offsets = new long[MAX];
    private Virtqueue queue;
    private GuestMemory memory;
    private int taken;
    private int first;
    /** The sender's memory faulted under a copy out of it: its rings are broken when it lets go. */
    private String fault;

    HeldChains(VhostUserNetDevice device, QueuePair pair, NetRing ring, BrokenLatch broken, DescriptorChain[] chains) {
        this.device = device;
        this.pair = pair;
        this.ring = ring;
        this.broken = broken;
        this.chains = chains;
    }

    /** Frame {@code k} of the batch (burst slot {@code first + k}): held in {@code region} at {@code offset}, or -1. */
    void set(int k, int region, long offset) {
        regions[k] = region;
        offsets[k] = offset;
    }

    /** The batch is complete: {@code taken} chains from {@code q}, frames from burst slot {@code firstSlot} on. */
    void hold(Virtqueue q, int takenChains, int firstSlot, int frames, GuestMemory mem) {
        for (int k = frames; k < MAX; k++) {
            regions[k] = -1;
        }
        queue = q;
        taken = takenChains;
        first = firstSlot;
        memory = mem;
        fault = null;
    }

    /** Whether chains are held now (between {@link #hold} and {@link #release}): the path's chains are in use. */
    boolean active() {
        return queue != null;
    }

    GuestMemory memory() {
        return memory;
    }

    /** Whether burst slot {@code slot}'s rest is still in the sender's memory. */
    boolean isHeld(int slot) {
        int k = slot - first;
        return k >= 0 && k < MAX && regions[k] >= 0;
    }

    int region(int slot) {
        return regions[slot - first];
    }

    long offset(int slot) {
        return offsets[slot - first];
    }

    /**
     * Copies the rest of frame {@code slot} into the burst. False if the sender's memory faulted (a memfd it shrank):
     * the sender is marked broken, and the frame's rest zeroed, so no stale bytes of an earlier frame go out.
     */
    boolean fill(PacketBurst burst, int slot) {
        if (!isHeld(slot)) {
            return true;
        }
        int k = slot - first;
        long to = burst.offset(slot) + HEAD;
        long rest = burst.length(slot) - HEAD;
        int region = regions[k];
        regions[k] = -1;
        try {
            MemorySegment.copy(memory.regionSegment(region), offsets[k] + HEAD, burst.data(), to, rest);
            return true;
        } catch (InternalError e) {
            faulted(e);
            burst.data().asSlice(to, rest).fill((byte) 0);
            return false;
        }
    }

    private void faulted(InternalError e) {
        if (fault == null) {
            fault = e.getMessage() == null ? "unsafe memory access" : e.getMessage();
            broken.mark("guest memory fault from the guest (memory shrunk under us?): " + fault);
        }
    }

    @Override
    public void makeWhole(PacketBurst burst) {
        for (int slot = first; slot < burst.count() && slot < first + MAX; slot++) {
            fill(burst, slot);
        }
        release(burst);
    }

    @Override
    public void release(PacketBurst burst) {
        for (int k = 0; k < MAX; k++) {
            regions[k] = -1;
        }
        String f = fault;
        try {
            if (f == null) {
                for (int i = 0; i < taken; i++) {
                    queue.addUsed(chains[i], 0);
                }
                queue.publishUsed();
                ring.notifyGuest(broken);
            }
        } finally {
            taken = 0;
            queue = null;
            memory = null;
            fault = null;
            pair.lock.unlock();
        }
        if (f != null) {
            device.breakAllRings("guest memory fault: " + f);
        }
    }
}
