package io.virtwire.vhostuser.frontend.driver;

import io.virtwire.memory.GuestMemory;
import io.virtwire.virtio.queue.PackedRingLayout;
import io.virtwire.virtio.queue.RingLayout;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static io.virtwire.virtio.queue.RingLayout.F_INDIRECT;
import static io.virtwire.virtio.queue.RingLayout.F_NEXT;
import static io.virtwire.virtio.queue.RingLayout.F_WRITE;
import static io.virtwire.virtio.queue.RingLayout.U16;
import static io.virtwire.virtio.queue.RingLayout.U32;
import static io.virtwire.virtio.queue.RingLayout.U64;

/**
 * The guest driver's side of a packed virtqueue in a {@link GuestMemory}. A chain occupies consecutive ring slots
 * (wrapping, with the wrap counter flipping), carries its buffer ID in every descriptor, and is made available by
 * writing its first descriptor's flags last, after a release fence.
 */
public final class DriverPackedQueue {

    private final GuestMemory memory;
    private final int size;
    private final long descGpa;
    private final long driverEventGpa;
    private final long deviceEventGpa;
    private final MemorySegment ring;
    private final MemorySegment driverEvent;
    private final MemorySegment deviceEvent;

    private int nextAvail;
    private boolean availWrap = true;
    private int nextUsed;
    private boolean usedWrap = true;
    private int freeSlots;
    private final int[] freeIds;
    private int freeIdCount;
    private final int[] slotsById;

    public DriverPackedQueue(GuestMemory memory, int size, long descGpa, long driverEventGpa, long deviceEventGpa) {
        if (size < 1 || size > RingLayout.MAX_QUEUE_SIZE) {
            throw new IllegalArgumentException("packed queue size " + size + " must be 1..32768");
        }
        this.memory = memory;
        this.size = size;
        this.descGpa = descGpa;
        this.driverEventGpa = driverEventGpa;
        this.deviceEventGpa = deviceEventGpa;
        this.ring = GuestRings.slice(memory, "packed descriptor ring", descGpa, PackedRingLayout.descRingSize(size));
        this.driverEvent = GuestRings.slice(memory, "driver event suppression area", driverEventGpa, PackedRingLayout.EVENT_SIZE);
        this.deviceEvent = GuestRings.slice(memory, "device event suppression area", deviceEventGpa, PackedRingLayout.EVENT_SIZE);
        ring.fill((byte) 0);
        driverEvent.fill((byte) 0);
        deviceEvent.fill((byte) 0);
        this.freeSlots = size;
        this.freeIds = new int[size];
        for (int i = 0; i < size; i++) {
            freeIds[i] = size - 1 - i;
        }
        this.freeIdCount = size;
        this.slotsById = new int[size];
    }

    public int size() {
        return size;
    }

    public long descGpa() {
        return descGpa;
    }

    public long driverEventGpa() {
        return driverEventGpa;
    }

    public long deviceEventGpa() {
        return deviceEventGpa;
    }

    public GuestMemory memory() {
        return memory;
    }

    public int nextAvailSlot() {
        return nextAvail;
    }

    public boolean availWrapCounter() {
        return availWrap;
    }

    public int freeSlots() {
        return freeSlots;
    }

    /** Makes {@code buffers} available as one chain; returns its buffer ID. */
    public int addChain(DriverBuffer... buffers) {
        long[] addrs = new long[buffers.length];
        long[] lens = new long[buffers.length];
        int[] flags = new int[buffers.length];
        for (int i = 0; i < buffers.length; i++) {
            addrs[i] = buffers[i].gpa();
            lens[i] = buffers[i].length();
            flags[i] = (buffers[i].writable() ? F_WRITE : 0) | (i < buffers.length - 1 ? F_NEXT : 0);
        }
        int id = takeId();
        rawChain(id, addrs, lens, flags);
        return id;
    }

    /** Writes {@code buffers} as a packed indirect table at {@code tableGpa} and makes one descriptor pointing at it available. */
    public int addIndirectChain(long tableGpa, DriverBuffer... buffers) {
        if (buffers.length == 0) {
            throw new IllegalArgumentException("an indirect table needs at least one buffer");
        }
        for (int i = 0; i < buffers.length; i++) {
            DescriptorWriter.writePacked(memory, tableGpa + (long) i * RingLayout.DESC_SIZE, buffers[i].gpa(),
                    buffers[i].length(), 0, buffers[i].writable() ? F_WRITE : 0);
        }
        int id = takeId();
        rawChain(id, new long[] {tableGpa}, new long[] {(long) buffers.length * RingLayout.DESC_SIZE}, new int[] {F_INDIRECT});
        return id;
    }

    /**
     * Writes a chain into consecutive slots exactly as given ({@code flags}: NEXT/WRITE/INDIRECT bits; this
     * method adds the AVAIL/USED bits for each slot's lap), first descriptor's flags last. No checks beyond ring
     * space: hostile tests use it directly.
     */
    public void rawChain(int id, long[] addrs, long[] lens, int[] flags) {
        int n = addrs.length;
        if (n == 0 || n > freeSlots) {
            throw new IllegalStateException("chain of " + n + " descriptors, " + freeSlots + " ring slots free");
        }
        int headSlot = nextAvail;
        int headFlags = 0;
        for (int i = 0; i < n; i++) {
            long off = PackedRingLayout.descOffset(nextAvail);
            ring.set(U64, off + RingLayout.DESC_ADDR, addrs[i]);
            ring.set(U32, off + RingLayout.DESC_LEN, (int) lens[i]);
            ring.set(U16, off + PackedRingLayout.DESC_ID, (short) id);
            int f = (flags[i] & ~(PackedRingLayout.F_AVAIL | PackedRingLayout.F_USED)) | PackedRingLayout.availFlags(availWrap);
            if (i == 0) {
                headFlags = f;
            } else {
                ring.set(U16, off + PackedRingLayout.DESC_FLAGS, (short) f);
            }
            if (++nextAvail == size) {
                nextAvail = 0;
                availWrap = !availWrap;
            }
        }
        if (id >= 0 && id < size) {
            slotsById[id] = n;
        }
        freeSlots -= n;
        VarHandle.releaseFence();
        ring.set(U16, PackedRingLayout.descOffset(headSlot) + PackedRingLayout.DESC_FLAGS, (short) headFlags);
    }

    /** The next used descriptor, or null; frees the buffer ID and its slots. */
    public UsedElement pollUsed() {
        long off = PackedRingLayout.descOffset(nextUsed);
        int flags = Short.toUnsignedInt(ring.get(U16, off + PackedRingLayout.DESC_FLAGS));
        if (!PackedRingLayout.isUsed(flags, usedWrap)) {
            return null;
        }
        VarHandle.acquireFence();
        int id = Short.toUnsignedInt(ring.get(U16, off + PackedRingLayout.DESC_ID));
        long len = Integer.toUnsignedLong(ring.get(U32, off + RingLayout.DESC_LEN));
        int slots = id < size && slotsById[id] > 0 ? slotsById[id] : 1;
        nextUsed += slots;
        if (nextUsed >= size) {
            nextUsed -= size;
            usedWrap = !usedWrap;
        }
        freeSlots += slots;
        if (id < size && slotsById[id] > 0) {
            slotsById[id] = 0;
            freeIds[freeIdCount++] = id;
        }
        return new UsedElement(id, len);
    }

    /** Driver event suppression: {@code flags} ENABLE/DISABLE/DESC, {@code offWrap} slot | wrap &lt;&lt; 15. */
    public void setDriverEvent(int flags, int offWrap) {
        driverEvent.set(U16, PackedRingLayout.EVENT_OFF_WRAP, (short) offWrap);
        driverEvent.set(U16, PackedRingLayout.EVENT_FLAGS, (short) flags);
    }

    public int deviceEventFlags() {
        return Short.toUnsignedInt(deviceEvent.get(U16, PackedRingLayout.EVENT_FLAGS));
    }

    public int deviceEventOffWrap() {
        return Short.toUnsignedInt(deviceEvent.get(U16, PackedRingLayout.EVENT_OFF_WRAP));
    }

    /** A buffer ID off the free list, for {@link #rawChain}. */
    public int takeId() {
        if (freeIdCount == 0) {
            throw new IllegalStateException("no free buffer ID");
        }
        return freeIds[--freeIdCount];
    }
}
