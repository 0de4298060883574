package io.virtwire.virtio.queue;

import io.virtwire.memory.GuestMemory;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static io.virtwire.virtio.queue.RingLayout.U16;
import static io.virtwire.virtio.queue.RingLayout.U32;
import static io.virtwire.virtio.queue.RingLayout.U64;
import static io.virtwire.virtio.queue.RingLayout.u16;
import static io.virtwire.virtio.queue.SplitRingLayout.AVAIL_F_NO_INTERRUPT;
import static io.virtwire.virtio.queue.SplitRingLayout.AVAIL_FLAGS;
import static io.virtwire.virtio.queue.SplitRingLayout.AVAIL_IDX;
import static io.virtwire.virtio.queue.SplitRingLayout.USED_ELEM_ID;
import static io.virtwire.virtio.queue.SplitRingLayout.USED_ELEM_LEN;
import static io.virtwire.virtio.queue.SplitRingLayout.USED_FLAGS;
import static io.virtwire.virtio.queue.SplitRingLayout.USED_F_NO_NOTIFY;
import static io.virtwire.virtio.queue.SplitRingLayout.USED_IDX;

/**
 * The device side of a split virtqueue over guest-physical ring addresses.
 *
 * <p>Memory ordering: the rings are accessed with plain little-endian loads and stores plus explicit
 * {@link VarHandle} fences (acquire after reading {@code avail.idx}, release before writing {@code used.idx}, full
 * before reading {@code used_event}/{@code avail.idx} in the notification re-checks), because access-mode
 * VarHandles on a segment demand natural alignment of the host address, which a frontend's mapping offset does
 * not guarantee.
 *
 * <p>Used entries are written into the used ring as chains complete; {@code used.idx} moves only in
 * {@link #publishUsed()}, so the driver sees a whole burst at once (DPDK's shadow used ring, without the copy).
 */
public final class SplitQueue extends MappedQueue {

    private final int mask;
    private final long descGpa;
    private final long availGpa;
    private final long usedGpa;
    private final boolean eventIdx;
    /** Walks the chains this queue hands out; queue-owned, like the queue it belongs to one thread. */
    private final SplitChainWalker walker = new SplitChainWalker();

    private MemorySegment desc;
    private MemorySegment avail;
    private MemorySegment used;

    /** The next avail ring entry to take (free-running u16; vhost-user's "vring base"). */
    private int nextAvail;
    /** Last {@code avail.idx} read; entries up to it may be taken without re-reading the index. */
    private int cachedAvailIdx;
    private int nextUsed;
    private int publishedUsed;
    private int signalledUsed;
    private boolean signalledUsedValid;

    /**
     * @param size     power of two, 1..32768
     * @param descGpa  descriptor table, 16-byte aligned
     * @param availGpa available ring, 2-byte aligned
     * @param usedGpa  used ring, 4-byte aligned
     * @param eventIdx whether VIRTIO_F_RING_EVENT_IDX was negotiated
     * @throws QueueConfigException naming the value and the rule it breaks
     */
    public SplitQueue(int size, long descGpa, long availGpa, long usedGpa, boolean eventIdx, GuestMemory memory) {
        this(size, descGpa, availGpa, usedGpa, eventIdx, memory, memory, null);
    }

    /**
     * A split queue under VIRTIO_F_ACCESS_PLATFORM: the ring addresses and every descriptor address are IOVAs in
     * {@code iova}'s views (descriptor table and avail ring readable, used ring writable).
     *
     * @throws QueueConfigException if a ring is not mapped with the permission it needs (the caller asks the
     *                              front-end for the translation first, see {@link IovaMemory#firstUnmapped})
     */
    public SplitQueue(int size, long descIova, long availIova, long usedIova, boolean eventIdx, IovaMemory iova) {
        this(size, descIova, availIova, usedIova, eventIdx, iova.readable(), iova.writable(), iova.onMiss());
    }

    private SplitQueue(int size, long descGpa, long availGpa, long usedGpa, boolean eventIdx, GuestMemory memory,
                       GuestMemory writeMemory, IovaMemory.MissListener missListener) {
        if (!RingLayout.isPowerOfTwo(size) || size > RingLayout.MAX_QUEUE_SIZE) {
            throw new QueueConfigException("split queue size " + size + " must be a power of two between 1 and " + RingLayout.MAX_QUEUE_SIZE);
        }
        RingMapping.checkAlignment("descriptor table", descGpa, SplitRingLayout.DESC_TABLE_ALIGN);
        RingMapping.checkAlignment("available ring", availGpa, SplitRingLayout.AVAIL_ALIGN);
        RingMapping.checkAlignment("used ring", usedGpa, SplitRingLayout.USED_ALIGN);
        super(size, missListener);
        this.mask = size - 1;
        this.descGpa = descGpa;
        this.availGpa = availGpa;
        this.usedGpa = usedGpa;
        this.eventIdx = eventIdx;
        mapRings(memory, writeMemory);
        // resume where the ring says the device stopped (reconnect); vhost-user's SET_VRING_BASE sets nextAvail
        this.nextUsed = Short.toUnsignedInt(used.get(U16, USED_IDX));
        this.publishedUsed = nextUsed;
    }

    @Override
    void mapRings(GuestMemory mem, GuestMemory writeMem) {
        MemorySegment d = RingMapping.resolve(mem, "descriptor table", descGpa, SplitRingLayout.descTableSize(size));
        MemorySegment a = RingMapping.resolve(mem, "available ring", availGpa, SplitRingLayout.availRingSize(size));
        MemorySegment u = RingMapping.resolve(writeMem, "used ring", usedGpa, SplitRingLayout.usedRingSize(size));
        this.memory = mem;
        this.writeMemory = writeMem;
        this.desc = d;
        this.avail = a;
        this.used = u;
    }

    public boolean eventIdx() {
        return eventIdx;
    }

    public int nextAvail() {
        return nextAvail;
    }

    /** vhost-user SET_VRING_BASE: where to resume taking available entries. */
    public void setNextAvail(int index) {
        if (index < 0 || index > 0xFFFF) {
            throw new QueueConfigException("vring base " + index + " is not a u16");
        }
        nextAvail = index;
        cachedAvailIdx = index;
        signalledUsedValid = false;
    }

    @Override
    public int vringBase() {
        return nextAvail;
    }

    @Override
    public void setVringBase(int base) {
        setNextAvail(base);
    }

    /** The used index including entries not yet published. */
    public int nextUsed() {
        return nextUsed;
    }

    /** Keeps {@link #prefetch}'s loads alive: a load whose value nobody uses may be compiled away. */
    private int prefetchSink;

    @Override
    public void prefetch(int max) {
        if (brokenReason != null || missListener != null) {
            return;
        }
        if (nextAvail == cachedAvailIdx) {
            int availIdx = readAvailIdx();
            if (u16(availIdx - nextAvail) > size) {
                return; // pop names this broken
            }
            cachedAvailIdx = availIdx;
        }
        int n = Math.min(max, u16(cachedAvailIdx - nextAvail));
        int sink = 0;
        for (int i = 0; i < n; i++) {
            int head = Short.toUnsignedInt(avail.get(U16, SplitRingLayout.availRingOffset((nextAvail + i) & mask)));
            if (head < size) {
                sink += desc.get(U16, (long) head * RingLayout.DESC_SIZE + SplitRingLayout.DESC_FLAGS);
            }
        }
        prefetchSink = sink;
    }

    @Override
    public ChainStatus pop(DescriptorChain chain) {
        if (brokenReason != null) {
            chain.setBroken(brokenReason, memory);
            return ChainStatus.MALFORMED;
        }
        if (nextAvail == cachedAvailIdx) {
            int availIdx = readAvailIdx();
            int pending = u16(availIdx - nextAvail);
            if (pending > size) {
                return broken(chain, "avail.idx moved from " + nextAvail + " to " + availIdx + ": " + pending
                        + " new entries, more than queue size " + size);
            }
            cachedAvailIdx = availIdx;
            if (pending == 0) {
                chain.clear(ChainStatus.END, memory);
                return ChainStatus.END;
            }
        }
        int slot = nextAvail & mask;
        int head = Short.toUnsignedInt(avail.get(U16, SplitRingLayout.availRingOffset(slot)));
        if (head >= size) {
            return broken(chain, "available head " + head + " >= queue size " + size + " at avail index " + nextAvail);
        }
        nextAvail = u16(nextAvail + 1);
        // one call site: the walk is inlined here once, which keeps pop small enough to be inlined into the device
        boolean iommu = missListener != null;
        ChainStatus status = walker.walk(chain, memory, iommu ? writeMemory : memory, iommu, desc, size, head);
        if (status == ChainStatus.MALFORMED) {
            if (chain.iotlbMissed()) {
                // the entry stays available: taken again once the front-end has sent the translation
                nextAvail = u16(nextAvail - 1);
                return waitForTranslation(chain);
            }
            markBroken(chain.malformedReason());
        }
        return status;
    }

    /**
     * {@inheritDoc}
     *
     * <p>The checks are {@link #pop}'s for a one-descriptor chain (head below the queue size, at most queue-size
     * new entries, the buffer non-empty and inside one region), plus the direction and lengths asked; anything
     * else stops the batch at that entry, untaken, for {@link #pop} to take and judge.
     */
    @Override
    public int popPlain(PlainBatch into, int max, boolean writable, long minLength, long[] minLengths, long maxLength) {
        GuestMemory mem = writable ? writeMemory : memory;
        if (brokenReason != null || missListener != null) {
            into.set(mem, 0, true);
            return 0;
        }
        int want = Math.min(max, into.capacity());
        prefetch(want);
        int next = nextAvail;
        int cached = cachedAvailIdx;
        int wantFlags = writable ? RingLayout.F_WRITE : 0;
        int n = 0;
        boolean early = false;
        while (n < want) {
            if (next == cached) {
                int availIdx = readAvailIdx();
                if (u16(availIdx - next) > size) {
                    early = true; // pop names this broken
                    break;
                }
                cached = availIdx;
                if (availIdx == next) {
                    break;
                }
            }
            int head = Short.toUnsignedInt(avail.get(U16, SplitRingLayout.availRingOffset(next & mask)));
            if (head >= size) {
                early = true;
                break;
            }
            long off = (long) head * RingLayout.DESC_SIZE;
            int flags = Short.toUnsignedInt(desc.get(U16, off + SplitRingLayout.DESC_FLAGS));
            long addr = desc.get(U64, off + RingLayout.DESC_ADDR);
            long len = Integer.toUnsignedLong(desc.get(U32, off + RingLayout.DESC_LEN));
            int region = mem.regionIndex(addr);
            long min = minLengths == null ? minLength : minLengths[n];
            if (flags != wantFlags || len == 0 || len < min || len > maxLength || region < 0
                    || mem.regionEnd(region) - addr < len) {
                early = true;
                break;
            }
            into.ids[n] = head;
            into.regions[n] = region;
            into.offsets[n] = addr - mem.regionGpa(region);
            into.lengths[n] = len;
            next = u16(next + 1);
            n++;
        }
        nextAvail = next;
        cachedAvailIdx = cached;
        into.set(mem, n, early);
        return n;
    }

    /**
     * Takes the chain at descriptor {@code head} again without consuming an available entry: inflight resubmission
     * after a back-end restart (vhost-user INFLIGHT_SHMFD), for a head taken before the restart and never used.
     */
    public ChainStatus reload(DescriptorChain chain, int head) {
        if (brokenReason != null) {
            chain.setBroken(brokenReason, memory);
            return ChainStatus.MALFORMED;
        }
        if (head < 0 || head >= size) {
            return broken(chain, "resubmitted head " + head + " >= queue size " + size);
        }
        ChainStatus status = missListener == null
                ? walker.walk(chain, memory, memory, false, desc, size, head)
                : walker.walk(chain, memory, writeMemory, true, desc, size, head);
        if (status == ChainStatus.MALFORMED) {
            if (chain.iotlbMissed()) {
                return waitForTranslation(chain);
            }
            markBroken(chain.malformedReason());
        }
        return status;
    }

    private ChainStatus broken(DescriptorChain chain, String reason) {
        markBroken(reason);
        chain.setBroken(brokenReason, memory);
        return ChainStatus.MALFORMED;
    }

    private int readAvailIdx() {
        int idx = Short.toUnsignedInt(avail.get(U16, AVAIL_IDX));
        // the ring entries and descriptors behind idx must not be read before idx itself
        VarHandle.acquireFence();
        return idx;
    }

    @Override
    public void addUsed(DescriptorChain chain, long writtenBytes) {
        if (writtenBytes > chain.writableBytes()) {
            throw new IllegalArgumentException("used length " + writtenBytes + " exceeds the chain's " + chain.writableBytes() + " writable bytes");
        }
        addUsed(chain.id(), writtenBytes);
    }

    /**
     * Adds used entry (head, written bytes); published by {@link #publishUsed()}. Also how a {@link #popPlain}
     * batch is returned.
     *
     * @throws IllegalArgumentException if head is not a descriptor index or the length is not a u32
     */
    @Override
    public void addUsed(int head, long writtenBytes) {
        if (head < 0 || head >= size) {
            throw new IllegalArgumentException("used head " + head + " is outside queue size " + size);
        }
        if (writtenBytes < 0 || writtenBytes > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("used length " + writtenBytes + " is not a u32");
        }
        if (brokenReason != null) {
            return;
        }
        long off = SplitRingLayout.usedElemOffset(nextUsed & mask);
        used.set(U32, off + USED_ELEM_ID, head);
        used.set(U32, off + USED_ELEM_LEN, (int) writtenBytes);
        nextUsed = u16(nextUsed + 1);
    }

    @Override
    public void publishUsed() {
        if (nextUsed == publishedUsed || brokenReason != null) {
            return;
        }
        // the used elements must be visible before the index that announces them
        VarHandle.releaseFence();
        used.set(U16, USED_IDX, (short) nextUsed);
        publishedUsed = nextUsed;
    }

    @Override
    public boolean needsNotification() {
        if (brokenReason != null) {
            return false;
        }
        // used.idx must be visible before we read the driver's used_event/flags, or both sides may wait (spec 2.7.10)
        VarHandle.fullFence();
        if (!eventIdx) {
            return (Short.toUnsignedInt(avail.get(U16, AVAIL_FLAGS)) & AVAIL_F_NO_INTERRUPT) == 0;
        }
        int newIdx = publishedUsed;
        int old = signalledUsed;
        boolean valid = signalledUsedValid;
        signalledUsed = newIdx;
        signalledUsedValid = true;
        if (!valid) {
            return true;
        }
        int usedEvent = Short.toUnsignedInt(avail.get(U16, SplitRingLayout.usedEventOffset(size)));
        return SplitRingLayout.needEvent(usedEvent, newIdx, old);
    }

    @Override
    public boolean enableNotification() {
        if (brokenReason != null) {
            return false;
        }
        if (eventIdx) {
            used.set(U16, SplitRingLayout.availEventOffset(size), (short) nextAvail);
        } else {
            used.set(U16, USED_FLAGS, (short) 0);
        }
        // the driver may have added buffers before it could see our request; re-read after a full fence
        VarHandle.fullFence();
        int availIdx = Short.toUnsignedInt(avail.get(U16, AVAIL_IDX));
        return availIdx != nextAvail;
    }

    @Override
    public void disableNotification() {
        if (!eventIdx && brokenReason == null) {
            used.set(U16, USED_FLAGS, (short) USED_F_NO_NOTIFY);
        }
    }
}
