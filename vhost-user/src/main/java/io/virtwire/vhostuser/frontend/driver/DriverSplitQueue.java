package io.virtwire.vhostuser.frontend.driver;

import io.virtwire.memory.GuestMemory;
import io.virtwire.virtio.queue.RingLayout;
import io.virtwire.virtio.queue.SplitRingLayout;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static io.virtwire.virtio.queue.RingLayout.F_INDIRECT;
import static io.virtwire.virtio.queue.RingLayout.F_NEXT;
import static io.virtwire.virtio.queue.RingLayout.F_WRITE;
import static io.virtwire.virtio.queue.RingLayout.U16;
import static io.virtwire.virtio.queue.RingLayout.U32;
import static io.virtwire.virtio.queue.RingLayout.U64;

/**
 * The guest driver's side of a split virtqueue, laid out in a {@link GuestMemory}: what a virtio driver in the
 * guest does, for tests and for the QEMU-like frontend. Well-behaved by default ({@link #addChain},
 * {@link #addIndirectChain}, {@link #publish}, {@link #pollUsed}); the {@code raw*} methods write whatever they are
 * given, so a test can play a hostile guest.
 */
public final class DriverSplitQueue {

    private final GuestMemory memory;
    private final int size;
    private final int mask;
    private final long descGpa;
    private final long availGpa;
    private final long usedGpa;
    private final MemorySegment desc;
    private final MemorySegment avail;
    private final MemorySegment used;

    private final int[] free;
    private int freeCount;
    /** Descriptors the chain at each head took from the table (0 = not ours to free). */
    private final int[] chainLength;
    private int availIdx;
    private int lastUsed;

    /** Lays out an empty ring (all three parts zeroed) at the given, suitably aligned addresses. */
    public DriverSplitQueue(GuestMemory memory, int size, long descGpa, long availGpa, long usedGpa) {
        if (!RingLayout.isPowerOfTwo(size) || size > RingLayout.MAX_QUEUE_SIZE) {
            throw new IllegalArgumentException("split queue size " + size + " must be a power of two up to 32768");
        }
        this.memory = memory;
        this.size = size;
        this.mask = size - 1;
        this.descGpa = descGpa;
        this.availGpa = availGpa;
        this.usedGpa = usedGpa;
        this.desc = GuestRings.slice(memory, "descriptor table", descGpa, SplitRingLayout.descTableSize(size));
        this.avail = GuestRings.slice(memory, "available ring", availGpa, SplitRingLayout.availRingSize(size));
        this.used = GuestRings.slice(memory, "used ring", usedGpa, SplitRingLayout.usedRingSize(size));
        desc.fill((byte) 0);
        avail.fill((byte) 0);
        used.fill((byte) 0);
        this.free = new int[size];
        for (int i = 0; i < size; i++) {
            free[i] = size - 1 - i;
        }
        this.freeCount = size;
        this.chainLength = new int[size];
    }

    public int size() {
        return size;
    }

    public long descGpa() {
        return descGpa;
    }

    public long availGpa() {
        return availGpa;
    }

    public long usedGpa() {
        return usedGpa;
    }

    public GuestMemory memory() {
        return memory;
    }

    public int freeDescriptors() {
        return freeCount;
    }

    /** The avail index the next {@link #publish()} will store (driver's shadow). */
    public int availIdx() {
        return availIdx;
    }

    /**
     * Writes {@code buffers} as one chain in the descriptor table and appends its head to the available ring.
     * Not visible to the device until {@link #publish()}.
     *
     * @return the head descriptor index
     */
    public int addChain(DriverBuffer... buffers) {
        if (buffers.length == 0) {
            throw new IllegalArgumentException("a chain needs at least one buffer");
        }
        if (buffers.length > freeCount) {
            throw new IllegalStateException("chain of " + buffers.length + " descriptors, only " + freeCount + " free");
        }
        int[] indices = new int[buffers.length];
        for (int i = 0; i < indices.length; i++) {
            indices[i] = free[--freeCount];
        }
        for (int i = 0; i < buffers.length; i++) {
            DriverBuffer b = buffers[i];
            boolean last = i == buffers.length - 1;
            int flags = (b.writable() ? F_WRITE : 0) | (last ? 0 : F_NEXT);
            rawDescriptor(indices[i], b.gpa(), b.length(), flags, last ? 0 : indices[i + 1]);
        }
        chainLength[indices[0]] = buffers.length;
        rawPushHead(indices[0]);
        return indices[0];
    }

    /**
     * Writes {@code buffers} into an indirect table at {@code tableGpa} (chained 0, 1, 2, ...) and puts one
     * descriptor pointing at it into the ring.
     *
     * @return the head descriptor index
     */
    public int addIndirectChain(long tableGpa, DriverBuffer... buffers) {
        if (buffers.length == 0) {
            throw new IllegalArgumentException("an indirect table needs at least one buffer");
        }
        for (int i = 0; i < buffers.length; i++) {
            DriverBuffer b = buffers[i];
            boolean last = i == buffers.length - 1;
            DescriptorWriter.writeSplit(memory, tableGpa + (long) i * RingLayout.DESC_SIZE, b.gpa(), b.length(),
                    (b.writable() ? F_WRITE : 0) | (last ? 0 : F_NEXT), last ? 0 : i + 1);
        }
        int head = takeDescriptor();
        rawDescriptor(head, tableGpa, (long) buffers.length * RingLayout.DESC_SIZE, F_INDIRECT, 0);
        chainLength[head] = 1;
        rawPushHead(head);
        return head;
    }

    /** Makes everything added so far visible: release fence, then {@code avail.idx}. */
    public void publish() {
        VarHandle.releaseFence();
        avail.set(U16, SplitRingLayout.AVAIL_IDX, (short) availIdx);
    }

    /**
     * The next used entry, or null if the device has published none since the last call; frees the chain's
     * descriptors if this driver created the chain.
     */
    public UsedElement pollUsed() {
        int idx = Short.toUnsignedInt(used.get(U16, SplitRingLayout.USED_IDX));
        VarHandle.acquireFence();
        if (idx == lastUsed) {
            return null;
        }
        long off = SplitRingLayout.usedElemOffset(lastUsed & mask);
        int id = used.get(U32, off + SplitRingLayout.USED_ELEM_ID);
        long len = Integer.toUnsignedLong(used.get(U32, off + SplitRingLayout.USED_ELEM_LEN));
        lastUsed = RingLayout.u16(lastUsed + 1);
        if (id >= 0 && id < size && chainLength[id] > 0) {
            int at = id;
            for (int n = chainLength[id]; n > 0; n--) {
                free[freeCount++] = at;
                at = Short.toUnsignedInt(desc.get(U16, SplitRingLayout.descOffset(at) + SplitRingLayout.DESC_NEXT));
            }
            chainLength[id] = 0;
        }
        return new UsedElement(id, len);
    }

    /** The device's {@code used.idx} as published. */
    public int usedIdx() {
        return Short.toUnsignedInt(used.get(U16, SplitRingLayout.USED_IDX));
    }

    /** The next used index this driver will read. */
    public int lastUsedIdx() {
        return lastUsed;
    }

    /** EVENT_IDX: ask for an interrupt once {@code used.idx} passes {@code usedEvent}. */
    public void setUsedEvent(int usedEvent) {
        avail.set(U16, SplitRingLayout.usedEventOffset(size), (short) usedEvent);
    }

    public void setAvailFlags(int flags) {
        avail.set(U16, SplitRingLayout.AVAIL_FLAGS, (short) flags);
    }

    /** EVENT_IDX: the device's request for kicks. */
    public int availEvent() {
        return Short.toUnsignedInt(used.get(U16, SplitRingLayout.availEventOffset(size)));
    }

    public int usedFlags() {
        return Short.toUnsignedInt(used.get(U16, SplitRingLayout.USED_FLAGS));
    }

    /** Whether publishing from {@code oldAvailIdx} to the current index needs a kick, the way a guest decides. */
    public boolean needsKick(int oldAvailIdx, boolean eventIdx) {
        VarHandle.fullFence();
        if (eventIdx) {
            return SplitRingLayout.needEvent(availEvent(), availIdx, oldAvailIdx);
        }
        return (usedFlags() & SplitRingLayout.USED_F_NO_NOTIFY) == 0;
    }

    /**
     * Moves both rings' indices to {@code idx} as if {@code idx} buffers had already gone round (avail.idx,
     * used.idx and this driver's shadows). Call before the device side is created; used to test wrap-around
     * past 65535 without 65536 round trips.
     */
    public void startIndicesAt(int idx) {
        availIdx = RingLayout.u16(idx);
        lastUsed = availIdx;
        avail.set(U16, SplitRingLayout.AVAIL_IDX, (short) availIdx);
        used.set(U16, SplitRingLayout.USED_IDX, (short) availIdx);
    }

    // ---- raw knobs for hostile tests: no checks ----

    /** Takes a descriptor index off the free list so raw writes do not collide with {@link #addChain}. */
    public int takeDescriptor() {
        if (freeCount == 0) {
            throw new IllegalStateException("no free descriptor");
        }
        return free[--freeCount];
    }

    /** Writes descriptor {@code index} exactly as given. */
    public void rawDescriptor(int index, long addr, long len, int flags, int next) {
        long off = SplitRingLayout.descOffset(index);
        desc.set(U64, off + RingLayout.DESC_ADDR, addr);
        desc.set(U32, off + RingLayout.DESC_LEN, (int) len);
        desc.set(U16, off + SplitRingLayout.DESC_FLAGS, (short) flags);
        desc.set(U16, off + SplitRingLayout.DESC_NEXT, (short) next);
    }

    /** Appends {@code head} (any u16, even {@code >= size}) to the available ring; visible after {@link #publish()}. */
    public void rawPushHead(int head) {
        avail.set(U16, SplitRingLayout.availRingOffset(availIdx & mask), (short) head);
        availIdx = RingLayout.u16(availIdx + 1);
    }

    /** Stores {@code avail.idx} directly (it also becomes the shadow index). */
    public void rawSetAvailIdx(int idx) {
        availIdx = RingLayout.u16(idx);
        publish();
    }
}
