package io.virtwire.virtio.queue;

import io.virtwire.memory.GuestMemory;

/**
 * The device side of one virtqueue, split or packed. A queue belongs to one data-path thread; nothing here is
 * thread-safe, and nothing on the pop/addUsed/publish path allocates.
 *
 * <p>Typical burst: {@code pop} until END or the budget is spent, process, {@code addUsed} per chain,
 * {@code publishUsed} once, then {@code needsNotification} to decide whether to signal the call eventfd.
 *
 * <p>Guest misbehaviour never throws: it latches the queue broken ({@link #isBroken()}, {@link #brokenReason()}),
 * after which {@code pop} answers MALFORMED and the used side is inert, like libvhost-user's {@code dev->broken}.
 */
public interface Virtqueue {

    int size();

    /**
     * Takes the next available chain into {@code chain}, overwriting whatever it held (also on END and MALFORMED):
     * keep one chain per in-flight buffer, and return it with {@link #addUsed} before reusing it.
     *
     * @return OK (the chain is filled and validated), END (nothing available) or MALFORMED (the queue is broken)
     */
    ChainStatus pop(DescriptorChain chain);

    /**
     * The fast path of {@link #pop} for a batch of the usual case: takes up to {@code max} available chains while
     * each is one plain descriptor (no NEXT, no INDIRECT), device-writable if {@code writable} else
     * device-readable, {@code minLength} (or {@code minLengths[k]} for the k-th, if given) to {@code maxLength}
     * bytes, inside one region of the queue's memory for that direction, into {@code into}. Stops, without taking
     * it, at the first entry that is not: {@link #pop} takes it next, the general way (and says what is wrong
     * with it). A queue without this path (packed, IOMMU, inflight tracking) takes nothing.
     *
     * @return how many were taken ({@code into.count()}); return them with {@link #addUsed(int, long)}
     */
    default int popPlain(PlainBatch into, int max, boolean writable, long minLength, long[] minLengths, long maxLength) {
        into.set(null, 0, true);
        return 0;
    }

    /** Returns a chain of a {@link #popPlain} batch, by its head, with {@code writtenBytes} written into it. */
    default void addUsed(int head, long writtenBytes) {
        throw new UnsupportedOperationException("this queue takes no plain batches");
    }

    /**
     * Returns a chain taken by {@link #pop} with {@code writtenBytes} written into it. Visible to the driver only
     * after {@link #publishUsed()}.
     *
     * @throws IllegalArgumentException if {@code writtenBytes} exceeds the chain's writable bytes (a device bug)
     */
    void addUsed(DescriptorChain chain, long writtenBytes);

    /**
     * Reads the descriptors of up to {@code max} available entries ahead of {@link #pop}, in one small loop, so that
     * the misses on lines the driver's core has just written are in flight together rather than one per pop. A
     * hint: takes nothing, judges nothing (a bad entry is {@link #pop}'s to name), may do nothing.
     */
    default void prefetch(int max) {
    }

    /** Makes every used entry added since the last publish visible to the driver, with release ordering. */
    void publishUsed();

    /** Whether the driver asked to be notified about what was published since the last call (EVENT_IDX aware). */
    boolean needsNotification();

    /**
     * Asks the driver to kick on new buffers.
     *
     * @return true if buffers became available meanwhile: the caller must poll again, or it may miss them
     */
    boolean enableNotification();

    /** Asks the driver not to kick (a hint: the driver may still kick). */
    void disableNotification();

    /**
     * vhost-user GET_VRING_BASE: split, the next avail index (u16); packed, the next avail slot with the avail
     * wrap counter in bit 15.
     */
    int vringBase();

    /**
     * vhost-user SET_VRING_BASE, the inverse of {@link #vringBase()}; for a packed ring the used side restarts at
     * the same slot and wrap counter (nothing is in flight when a ring is (re)started).
     *
     * @throws QueueConfigException if the value does not fit the queue
     */
    void setVringBase(int base);

    boolean isBroken();

    /** Why the queue is broken, or null. */
    String brokenReason();

    /** Latches the queue broken; the first reason wins. */
    void markBroken(String reason);

    GuestMemory memory();

    /**
     * Swaps in a new memory table (SET_MEM_TABLE, ADD/REM_MEM_REG) and re-resolves the rings in it.
     *
     * @throws QueueConfigException if a ring is no longer inside one region; the queue is then broken
     */
    void setMemory(GuestMemory memory);
}
