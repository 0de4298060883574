package io.virtwire.virtio.queue;

import io.virtwire.memory.GuestMemory;

/**
 * Chains taken by {@link Virtqueue#popPlain} as plain records: each one buffer of one descriptor, checked to lie in
 * one region of {@link #memory()}, kept as its head (the used id), region index, offset in that region and length.
 * No {@link DescriptorChain} is filled: the fast path of a batch where every buffer is the usual one. Owned by one
 * data-path thread; allocates nothing after construction.
 */
public final class PlainBatch {

    public final int[] ids;
    public final int[] regions;
    public final long[] offsets;
    public final long[] lengths;
    private GuestMemory memory;
    private int count;
    private boolean stoppedEarly;

    public PlainBatch(int capacity) {
        ids = new int[capacity];
        regions = new int[capacity];
        offsets = new long[capacity];
        lengths = new long[capacity];
    }

    public int capacity() {
        return ids.length;
    }

    /** The memory the records' regions index (the queue's, for the direction asked). */
    public GuestMemory memory() {
        return memory;
    }

    public int count() {
        return count;
    }

    /**
     * Whether the last {@link Virtqueue#popPlain} stopped at an available entry it did not take (not plain, or
     * not for the fast path), rather than at the end of what the driver made available: that entry is next for
     * {@link Virtqueue#pop}.
     */
    public boolean stoppedEarly() {
        return stoppedEarly;
    }

    void set(GuestMemory mem, int n, boolean early) {
        memory = mem;
        count = n;
        stoppedEarly = early;
    }
}
