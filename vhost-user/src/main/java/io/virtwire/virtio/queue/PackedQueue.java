package io.virtwire.virtio.queue;

import io.virtwire.memory.GuestMemory;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static io.virtwire.virtio.queue.PackedRingLayout.EVENT_FLAGS;
import static io.virtwire.virtio.queue.PackedRingLayout.EVENT_F_DESC;
import static io.virtwire.virtio.queue.PackedRingLayout.EVENT_F_DISABLE;
import static io.virtwire.virtio.queue.PackedRingLayout.EVENT_F_ENABLE;
import static io.virtwire.virtio.queue.PackedRingLayout.EVENT_OFF_WRAP;
import static io.virtwire.virtio.queue.PackedRingLayout.WRAP_BIT;
import static io.virtwire.virtio.queue.RingLayout.F_WRITE;
import static io.virtwire.virtio.queue.RingLayout.U16;
import static io.virtwire.virtio.queue.RingLayout.U32;

/**
 * The device side of a packed virtqueue (VIRTIO_F_RING_PACKED).
 *
 * <p>State: the slot of the next descriptor to take plus the driver's wrap counter as we expect it, and the slot
 * of the next used descriptor to write plus our own wrap counter; both counters start at 1 and flip each time
 * their slot passes the end of the ring. A used descriptor is written at the used slot and the used slot then
 * skips as many slots as the chain occupied, so completions may come out of order.
 *
 * <p>Bursts: each used descriptor's id and len are written at once, and the flags of every entry but the first;
 * {@link #publishUsed()} writes the first entry's flags after a release fence, which hands the whole burst to the
 * driver (it reads used descriptors strictly in ring order).
 */
public final class PackedQueue extends MappedQueue {

    private final long descGpa;
    private final long driverEventGpa;
    private final long deviceEventGpa;
    private final boolean eventIdx;
    /** Walks the chains this queue hands out; queue-owned, like the queue it belongs to one thread. */
    private final PackedChainWalker walker = new PackedChainWalker();

    private MemorySegment ring;
    /** Written by the driver: when it wants used-buffer notifications. */
    private MemorySegment driverEvent;
    /** Written by us: when we want available-buffer notifications (kicks). */
    private MemorySegment deviceEvent;

    private int nextAvail;
    private boolean availWrap = true;
    private int nextUsed;
    private boolean usedWrap = true;

    private int burstFirstSlot = -1;
    private int burstFirstFlags;
    private int burstSlots;
    private int publishedUsed;
    private boolean publishedWrap = true;
    /** Slots published since the last notification decision. */
    private int slotsSinceSignal;
    private boolean signalledValid;

    /**
     * @param size           1..32768 (packed rings need not be a power of two)
     * @param descGpa        descriptor ring, 16-byte aligned (vhost-user's "desc" address)
     * @param driverEventGpa driver event suppression area, 4-byte aligned (vhost-user's "avail" address)
     * @param deviceEventGpa device event suppression area, 4-byte aligned (vhost-user's "used" address)
     */
    public PackedQueue(int size, long descGpa, long driverEventGpa, long deviceEventGpa, boolean eventIdx, GuestMemory memory) {
        this(size, descGpa, driverEventGpa, deviceEventGpa, eventIdx, memory, memory, null);
    }

    /**
     * A packed queue under VIRTIO_F_ACCESS_PLATFORM: addresses are IOVAs in {@code iova}'s views (the descriptor
     * ring must be readable and writable, the driver event area readable, the device event area writable).
     *
     * @throws QueueConfigException if a ring part is not mapped with the permission it needs
     */
    public PackedQueue(int size, long descIova, long driverEventIova, long deviceEventIova, boolean eventIdx, IovaMemory iova) {
        this(size, descIova, driverEventIova, deviceEventIova, eventIdx, iova.readable(), iova.writable(), iova.onMiss());
    }

    private PackedQueue(int size, long descGpa, long driverEventGpa, long deviceEventGpa, boolean eventIdx,
                        GuestMemory memory, GuestMemory writeMemory, IovaMemory.MissListener missListener) {
        if (size < 1 || size > RingLayout.MAX_QUEUE_SIZE) {
            throw new QueueConfigException("packed queue size " + size + " must be between 1 and " + RingLayout.MAX_QUEUE_SIZE);
        }
        RingMapping.checkAlignment("packed descriptor ring", descGpa, PackedRingLayout.DESC_RING_ALIGN);
        RingMapping.checkAlignment("driver event suppression area", driverEventGpa, PackedRingLayout.EVENT_ALIGN);
        RingMapping.checkAlignment("device event suppression area", deviceEventGpa, PackedRingLayout.EVENT_ALIGN);
        super(size, missListener);
        this.descGpa = descGpa;
        this.driverEventGpa = driverEventGpa;
        this.deviceEventGpa = deviceEventGpa;
        this.eventIdx = eventIdx;
        mapRings(memory, writeMemory);
    }

    @Override
    void mapRings(GuestMemory mem, GuestMemory writeMem) {
        MemorySegment r = RingMapping.resolve(writeMem, "packed descriptor ring", descGpa, PackedRingLayout.descRingSize(size));
        if (writeMem != mem) {
            RingMapping.resolve(mem, "packed descriptor ring", descGpa, PackedRingLayout.descRingSize(size));
        }
        MemorySegment drv = RingMapping.resolve(mem, "driver event suppression area", driverEventGpa, PackedRingLayout.EVENT_SIZE);
        MemorySegment dev = RingMapping.resolve(writeMem, "device event suppression area", deviceEventGpa, PackedRingLayout.EVENT_SIZE);
        this.memory = mem;
        this.writeMemory = writeMem;
        this.ring = r;
        this.driverEvent = drv;
        this.deviceEvent = dev;
    }

    public int nextAvail() {
        return nextAvail;
    }

    public boolean availWrapCounter() {
        return availWrap;
    }

    public int nextUsed() {
        return nextUsed;
    }

    public boolean usedWrapCounter() {
        return usedWrap;
    }

    @Override
    public int vringBase() {
        return nextAvail | (availWrap ? WRAP_BIT : 0);
    }

    @Override
    public void setVringBase(int base) {
        if ((base & ~0xFFFF) != 0) {
            throw new QueueConfigException("packed vring base 0x" + Integer.toHexString(base) + " has bits above 15 set");
        }
        int slot = base & ~WRAP_BIT;
        boolean wrap = (base & WRAP_BIT) != 0;
        setAvailState(slot, wrap);
        setUsedState(slot, wrap);
    }

    /** Where to take the next available descriptor: slot and the driver's wrap counter as we expect it. */
    public void setAvailState(int slot, boolean wrap) {
        checkSlot(slot);
        nextAvail = slot;
        availWrap = wrap;
        signalledValid = false;
    }

    /** Where to write the next used descriptor (vhost-user carries it in the upper half of the vring base). */
    public void setUsedState(int slot, boolean wrap) {
        checkSlot(slot);
        nextUsed = slot;
        usedWrap = wrap;
        publishedUsed = slot;
        publishedWrap = wrap;
        burstFirstSlot = -1;
        burstSlots = 0;
        signalledValid = false;
    }

    private void checkSlot(int slot) {
        if (slot < 0 || slot >= size) {
            throw new QueueConfigException("packed ring slot " + slot + " is outside queue size " + size);
        }
    }

    @Override
    public ChainStatus pop(DescriptorChain chain) {
        if (brokenReason != null) {
            chain.setBroken(brokenReason, memory);
            return ChainStatus.MALFORMED;
        }
        int flags = Short.toUnsignedInt(ring.get(U16, PackedRingLayout.descOffset(nextAvail) + PackedRingLayout.DESC_FLAGS));
        if (!PackedRingLayout.isAvailable(flags, availWrap)) {
            chain.clear(ChainStatus.END, memory);
            return ChainStatus.END;
        }
        // the rest of the descriptor (and the chain) must not be read before the flags that made it ours
        VarHandle.acquireFence();
        ChainStatus status = missListener == null
                ? walker.walk(chain, memory, memory, false, ring, size, size, nextAvail, flags)
                : walker.walk(chain, memory, writeMemory, true, ring, size, size, nextAvail, flags);
        if (status == ChainStatus.MALFORMED) {
            if (chain.iotlbMissed()) {
                return waitForTranslation(chain); // the descriptors stay available: nothing was consumed
            }
            markBroken(chain.malformedReason());
            return status;
        }
        nextAvail += chain.ringSlots();
        if (nextAvail >= size) {
            nextAvail -= size;
            availWrap = !availWrap;
        }
        return status;
    }

    /**
     * Takes a chain again from a copy of its ring descriptors ({@code count} of them, 16 bytes each in ring layout),
     * without touching the ring: inflight resubmission after a back-end restart, when the ring slots may already
     * hold later used descriptors. Validated like {@link #pop}; the chain occupies {@code count} slots when used.
     */
    public ChainStatus resubmit(DescriptorChain chain, MemorySegment descriptors, int count) {
        if (brokenReason != null) {
            chain.setBroken(brokenReason, memory);
            return ChainStatus.MALFORMED;
        }
        if (count < 1 || count > size || descriptors.byteSize() < (long) count * RingLayout.DESC_SIZE) {
            markBroken("resubmitted chain of " + count + " descriptors in a queue of size " + size);
            chain.setBroken(brokenReason, memory);
            return ChainStatus.MALFORMED;
        }
        int headFlags = Short.toUnsignedInt(descriptors.get(U16, PackedRingLayout.DESC_FLAGS));
        ChainStatus status = walker.walk(chain, memory, writeMemory, missListener != null, descriptors, count, size, 0, headFlags);
        if (status == ChainStatus.MALFORMED) {
            if (chain.iotlbMissed()) {
                return waitForTranslation(chain);
            }
            markBroken("resubmitted chain: " + chain.malformedReason());
        } else if (chain.ringSlots() != count) {
            markBroken("resubmitted chain ends after " + chain.ringSlots() + " of its " + count + " descriptors");
            chain.setBroken(brokenReason, memory);
            return ChainStatus.MALFORMED;
        }
        return status;
    }

    /** Whether the descriptor at {@code slot} was made used with used wrap counter {@code wrap} (inflight recovery). */
    public boolean isUsedAt(int slot, boolean wrap) {
        checkSlot(slot);
        int flags = Short.toUnsignedInt(ring.get(U16, PackedRingLayout.descOffset(slot) + PackedRingLayout.DESC_FLAGS));
        return PackedRingLayout.isUsed(flags, wrap);
    }

    @Override
    public void addUsed(DescriptorChain chain, long writtenBytes) {
        if (writtenBytes > chain.writableBytes()) {
            throw new IllegalArgumentException("used length " + writtenBytes + " exceeds the chain's " + chain.writableBytes() + " writable bytes");
        }
        addUsed(chain.id(), chain.ringSlots(), writtenBytes);
    }

    /**
     * Writes a used descriptor for buffer {@code id} that occupied {@code slots} ring slots.
     *
     * @throws IllegalArgumentException if {@code slots} is not 1..size or the length is not a u32
     */
    public void addUsed(int id, int slots, long writtenBytes) {
        if (slots < 1 || slots > size) {
            throw new IllegalArgumentException("used chain of " + slots + " slots in a queue of size " + size);
        }
        if (writtenBytes < 0 || writtenBytes > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("used length " + writtenBytes + " is not a u32");
        }
        if (brokenReason != null) {
            return;
        }
        long off = PackedRingLayout.descOffset(nextUsed);
        ring.set(U16, off + PackedRingLayout.DESC_ID, (short) id);
        ring.set(U32, off + RingLayout.DESC_LEN, (int) writtenBytes);
        int flags = PackedRingLayout.usedFlags(usedWrap) | (writtenBytes != 0 ? F_WRITE : 0);
        if (burstFirstSlot < 0) {
            burstFirstSlot = nextUsed;
            burstFirstFlags = flags;
        } else {
            ring.set(U16, off + PackedRingLayout.DESC_FLAGS, (short) flags);
        }
        burstSlots += slots;
        nextUsed += slots;
        if (nextUsed >= size) {
            nextUsed -= size;
            usedWrap = !usedWrap;
        }
    }

    @Override
    public void publishUsed() {
        if (burstFirstSlot < 0 || brokenReason != null) {
            return;
        }
        // every other descriptor of the burst must be visible before the flags that hand the burst over
        VarHandle.releaseFence();
        ring.set(U16, PackedRingLayout.descOffset(burstFirstSlot) + PackedRingLayout.DESC_FLAGS, (short) burstFirstFlags);
        burstFirstSlot = -1;
        slotsSinceSignal = Math.min(slotsSinceSignal + burstSlots, size);
        burstSlots = 0;
        publishedUsed = nextUsed;
        publishedWrap = usedWrap;
    }

    @Override
    public boolean needsNotification() {
        if (brokenReason != null) {
            return false;
        }
        VarHandle.fullFence();
        int published = slotsSinceSignal;
        boolean valid = signalledValid;
        signalledValid = true;
        slotsSinceSignal = 0;
        if (published == 0 && valid) {
            return false;
        }
        int flags = Short.toUnsignedInt(driverEvent.get(U16, EVENT_FLAGS)) & 0x3;
        if (flags == EVENT_F_DISABLE) {
            return false;
        }
        if (flags != EVENT_F_DESC || !eventIdx || !valid || published >= size) {
            return true;
        }
        int offWrap = Short.toUnsignedInt(driverEvent.get(U16, EVENT_OFF_WRAP));
        int event = offWrap & ~WRAP_BIT;
        boolean eventWrap = (offWrap & WRAP_BIT) != 0;
        int newIdx = publishedUsed;
        int old = newIdx - published;
        if (eventWrap != publishedWrap) {
            event -= size;
        }
        return SplitRingLayout.needEvent(event, newIdx, old);
    }

    @Override
    public boolean enableNotification() {
        if (brokenReason != null) {
            return false;
        }
        if (eventIdx) {
            deviceEvent.set(U16, EVENT_OFF_WRAP, (short) (nextAvail | (availWrap ? WRAP_BIT : 0)));
            deviceEvent.set(U16, EVENT_FLAGS, (short) EVENT_F_DESC);
        } else {
            deviceEvent.set(U16, EVENT_FLAGS, (short) EVENT_F_ENABLE);
        }
        VarHandle.fullFence();
        int flags = Short.toUnsignedInt(ring.get(U16, PackedRingLayout.descOffset(nextAvail) + PackedRingLayout.DESC_FLAGS));
        return PackedRingLayout.isAvailable(flags, availWrap);
    }

    @Override
    public void disableNotification() {
        if (brokenReason == null) {
            deviceEvent.set(U16, EVENT_FLAGS, (short) EVENT_F_DISABLE);
        }
    }
}
