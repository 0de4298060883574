package io.virtwire.vhostuser.backend;

import io.virtwire.virtio.queue.ChainStatus;
import io.virtwire.virtio.queue.DescriptorChain;
import io.virtwire.virtio.queue.PackedQueue;
import io.virtwire.virtio.queue.PackedRingLayout;
import io.virtwire.virtio.queue.RingLayout;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A packed queue whose taken-but-unused chains are recorded in the shared inflight buffer, following the spec's
 * procedure for packed rings (QEMU docs/interop/vhost-user.rst, "Inflight I/O tracking", {@code QueueRegionPacked}).
 * The {@code DescStatePacked} entries form a free list; taking a chain moves as many entries as it has ring
 * descriptors off the list and stores the descriptors in them (the ring slots may be overwritten by later used
 * descriptors before this chain completes), the head entry carrying counter, count and last entry. Publishing
 * returns the burst's entries to the list, records the new used position before the used flags go out, then
 * commits ({@code old_*} = current).
 *
 * <p>After a restart: a half-published burst is committed if its first used descriptor reached the ring, rolled
 * back otherwise; entries on the free list are cleared; the ring resumes at the recorded used position and takes
 * new descriptors after the slots of the chains still in flight, which are handed out first, oldest first, from
 * their stored descriptors. A buffer whose indices do not fit the queue (a front-end scribbling on it) breaks
 * only this ring.
 *
 * <p>Allocation-free after construction; one thread, like the queue it wraps.
 */
public final class InflightPackedQueue extends DelegatingQueue<PackedQueue> {

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    // QueueRegionPacked
    private static final long VERSION = 8;
    private static final long DESC_NUM = 10;
    private static final long FREE_HEAD = 12;
    private static final long OLD_FREE_HEAD = 14;
    private static final long USED_IDX = 16;
    private static final long OLD_USED_IDX = 18;
    private static final long USED_WRAP = 20;
    private static final long OLD_USED_WRAP = 21;
    // DescStatePacked
    private static final long D_INFLIGHT = 0;
    private static final long D_NEXT = 2;
    private static final long D_LAST = 4;
    private static final long D_NUM = 6;
    private static final long D_COUNTER = 8;
    private static final long D_ID = 16;
    private static final long D_FLAGS = 18;
    private static final long D_LEN = 20;
    private static final long D_ADDR = 24;

    private final MemorySegment region;
    private final int size;
    /** Head entry of each buffer ID in flight (IDs are u16). */
    private final short[] entryOfId = new short[1 << 16];
    private final int[] resubmit;
    private int resubmitCount;
    private int resubmitNext;
    /** One chain's stored descriptors in ring layout, for {@link PackedQueue#resubmit}. */
    private final MemorySegment scratch;
    private final int[] batch;
    private int batchCount;
    private int freeHead;
    private long counter;

    /**
     * @param queue  the ring at the position the front-end set; after a restart the constructor moves it to the
     *               positions the buffer recorded
     * @param region this queue's packed region of the inflight buffer
     */
    public InflightPackedQueue(PackedQueue queue, MemorySegment region) {
        super(queue);
        this.region = region;
        this.size = queue.size();
        this.batch = new int[size];
        this.resubmit = new int[size];
        this.scratch = MemorySegment.ofArray(new byte[size * RingLayout.DESC_SIZE]);
        int version = Short.toUnsignedInt(region.get(U16, VERSION));
        int descNum = Short.toUnsignedInt(region.get(U16, DESC_NUM));
        if (version == 0 || descNum != size) {
            initialise();
        } else {
            recover();
        }
    }

    private static long desc(int entry) {
        return InflightRegion.PACKED_HEADER_SIZE + (long) entry * InflightRegion.PACKED_DESC_STATE_SIZE;
    }

    /**
     * A new buffer (or one for another ring size): nothing was in flight; every entry is free, linked in order. The
     * list ends in {@code size} (as DPDK lays it out), so a restart can walk exactly the free entries.
     */
    private void initialise() {
        region.fill((byte) 0);
        region.set(U16, VERSION, (short) 1);
        region.set(U16, DESC_NUM, (short) size);
        for (int i = 0; i < size; i++) {
            region.set(U16, desc(i) + D_NEXT, (short) (i + 1));
        }
        freeHead = 0;
        int used = queue.nextUsed();
        byte wrap = (byte) (queue.usedWrapCounter() ? 1 : 0);
        region.set(U16, USED_IDX, (short) used);
        region.set(U16, OLD_USED_IDX, (short) used);
        region.set(ValueLayout.JAVA_BYTE, USED_WRAP, wrap);
        region.set(ValueLayout.JAVA_BYTE, OLD_USED_WRAP, wrap);
    }

    private int u16(long offset) {
        return Short.toUnsignedInt(region.get(U16, offset));
    }

    private void recover() {
        int usedIdx = u16(USED_IDX);
        int oldUsedIdx = u16(OLD_USED_IDX);
        boolean usedWrap = region.get(ValueLayout.JAVA_BYTE, USED_WRAP) != 0;
        boolean oldUsedWrap = region.get(ValueLayout.JAVA_BYTE, OLD_USED_WRAP) != 0;
        if (usedIdx >= size || oldUsedIdx >= size || u16(FREE_HEAD) > size || u16(OLD_FREE_HEAD) > size) {
            queue.markBroken("inflight buffer positions outside queue size " + size);
            return;
        }
        if ((usedIdx != oldUsedIdx || usedWrap != oldUsedWrap) && queue.isUsedAt(oldUsedIdx, oldUsedWrap)) {
            // the burst's first used descriptor reached the ring, so the driver has all of it: commit
            region.set(U16, OLD_FREE_HEAD, region.get(U16, FREE_HEAD));
            region.set(U16, OLD_USED_IDX, (short) usedIdx);
            region.set(ValueLayout.JAVA_BYTE, OLD_USED_WRAP, (byte) (usedWrap ? 1 : 0));
            oldUsedIdx = usedIdx;
            oldUsedWrap = usedWrap;
        }
        // roll back whatever was not committed
        freeHead = u16(OLD_FREE_HEAD);
        region.set(U16, FREE_HEAD, (short) freeHead);
        region.set(U16, USED_IDX, (short) oldUsedIdx);
        region.set(ValueLayout.JAVA_BYTE, USED_WRAP, (byte) (oldUsedWrap ? 1 : 0));
        int e = freeHead;
        for (int n = 0; e != size; n++) {
            if (e > size || n == size) {
                queue.markBroken("inflight free list is broken at entry " + e + " (queue size " + size + ")");
                return;
            }
            // a half-taken chain, or a burst committed above, may still say inflight
            region.set(ValueLayout.JAVA_BYTE, desc(e) + D_INFLIGHT, (byte) 0);
            e = u16(desc(e) + D_NEXT);
        }
        long[] order = new long[size];
        int inflight = 0;
        long maxCounter = 0;
        long slots = 0;
        for (int head = 0; head < size; head++) {
            if (region.get(ValueLayout.JAVA_BYTE, desc(head) + D_INFLIGHT) == 1) {
                int num = u16(desc(head) + D_NUM);
                if (num < 1 || num > size) {
                    queue.markBroken("inflight entry " + head + " claims " + num + " descriptors, queue size " + size);
                    return;
                }
                slots += num;
                long c = region.get(U64, desc(head) + D_COUNTER);
                maxCounter = Math.max(maxCounter, c);
                order[inflight++] = (c << 16) | head;
            }
        }
        if (slots > size) {
            queue.markBroken("inflight chains occupy " + slots + " slots, more than queue size " + size);
            return;
        }
        Arrays.sort(order, 0, inflight);
        for (int i = 0; i < inflight; i++) {
            resubmit[i] = (int) (order[i] & 0xFFFF);
        }
        resubmitCount = inflight;
        counter = maxCounter + 1;
        // taken slots lie between the used position and the next avail one, in ring order
        queue.setUsedState(oldUsedIdx, oldUsedWrap);
        int avail = oldUsedIdx + (int) slots;
        boolean availWrap = oldUsedWrap;
        if (avail >= size) {
            avail -= size;
            availWrap = !availWrap;
        }
        queue.setAvailState(avail, availWrap);
    }

    /** Chains found in flight at start and not yet handed out again. */
    public int pendingResubmissions() {
        return resubmitCount - resubmitNext;
    }

    @Override
    public ChainStatus pop(DescriptorChain chain) {
        if (resubmitNext < resubmitCount) {
            return resubmitNext(chain);
        }
        ChainStatus status = queue.pop(chain);
        if (status == ChainStatus.OK) {
            record(chain);
            if (queue.isBroken()) {
                return queue.pop(chain); // MALFORMED: the chain goes back to nobody
            }
        }
        return status;
    }

    private ChainStatus resubmitNext(DescriptorChain chain) {
        int head = resubmit[resubmitNext];
        int num = u16(desc(head) + D_NUM);
        int e = head;
        for (int i = 0; i < num; i++) {
            if (e >= size) {
                queue.markBroken("inflight chain at entry " + head + " links to entry " + e + " outside queue size " + size);
                return queue.pop(chain); // MALFORMED, the queue is broken
            }
            long off = (long) i * RingLayout.DESC_SIZE;
            scratch.set(U64, off + RingLayout.DESC_ADDR, region.get(U64, desc(e) + D_ADDR));
            scratch.set(U32, off + RingLayout.DESC_LEN, region.get(U32, desc(e) + D_LEN));
            scratch.set(U16, off + PackedRingLayout.DESC_ID, region.get(U16, desc(e) + D_ID));
            scratch.set(U16, off + PackedRingLayout.DESC_FLAGS, region.get(U16, desc(e) + D_FLAGS));
            e = u16(desc(e) + D_NEXT);
        }
        ChainStatus status = queue.resubmit(chain, scratch, num);
        if (status != ChainStatus.END) { // END: an IOTLB miss, the same chain is tried again later
            resubmitNext++;
        }
        if (status == ChainStatus.OK) {
            entryOfId[chain.id()] = (short) head;
        }
        return status;
    }

    /** The spec's steps for each descriptor taken; the head entry is the first free one. */
    private void record(DescriptorChain chain) {
        int head = freeHead;
        int slots = chain.ringSlots();
        if (head >= size) {
            // more ring slots in flight than the ring has: the driver made in-flight slots available again
            queue.markBroken("more than " + size + " descriptors in flight (driver reused slots it had not got back)");
            return;
        }
        long h = desc(head);
        region.set(U16, h + D_NUM, (short) 0);
        region.set(U64, h + D_COUNTER, counter++);
        region.set(ValueLayout.JAVA_BYTE, h + D_INFLIGHT, (byte) 1);
        int e = head;
        for (int i = 0; i < slots; i++) {
            if (i == slots - 1) {
                region.set(U16, h + D_LAST, (short) e);
            }
            long d = desc(e);
            region.set(U64, d + D_ADDR, chain.ringDescriptorAddress(i));
            region.set(U32, d + D_LEN, (int) chain.ringDescriptorLength(i));
            region.set(U16, d + D_ID, (short) chain.ringDescriptorId(i));
            region.set(U16, d + D_FLAGS, (short) chain.ringDescriptorFlags(i));
            e = u16(d + D_NEXT);
            if (e > size || e == size && i < slots - 1) {
                queue.markBroken("more than " + size + " descriptors in flight, or the inflight free list is broken");
                return;
            }
        }
        region.set(U16, h + D_NUM, (short) slots);
        freeHead = e;
        region.set(U16, FREE_HEAD, (short) e);
        region.set(U16, OLD_FREE_HEAD, (short) e);
        entryOfId[chain.id()] = (short) head;
    }

    @Override
    public void addUsed(DescriptorChain chain, long writtenBytes) {
        queue.addUsed(chain, writtenBytes);
        if (!queue.isBroken()) {
            batch[batchCount++] = Short.toUnsignedInt(entryOfId[chain.id()]);
        }
    }

    @Override
    public void publishUsed() {
        if (batchCount == 0 || queue.isBroken()) {
            batchCount = 0;
            queue.publishUsed();
            return;
        }
        for (int i = 0; i < batchCount; i++) {
            int head = batch[i];
            int last = u16(desc(head) + D_LAST);
            if (last >= size) {
                queue.markBroken("inflight entry " + head + " names last entry " + last + " outside queue size " + size);
                batchCount = 0;
                return;
            }
            region.set(U16, desc(last) + D_NEXT, (short) freeHead);
            freeHead = head;
        }
        region.set(U16, FREE_HEAD, (short) freeHead);
        // the used position is recorded before the flags hand the burst over, so a restart can tell which happened
        region.set(U16, USED_IDX, (short) queue.nextUsed());
        region.set(ValueLayout.JAVA_BYTE, USED_WRAP, (byte) (queue.usedWrapCounter() ? 1 : 0));
        queue.publishUsed();
        for (int i = 0; i < batchCount; i++) {
            region.set(ValueLayout.JAVA_BYTE, desc(batch[i]) + D_INFLIGHT, (byte) 0);
        }
        region.set(U16, OLD_FREE_HEAD, (short) freeHead);
        region.set(U16, OLD_USED_IDX, region.get(U16, USED_IDX));
        region.set(ValueLayout.JAVA_BYTE, OLD_USED_WRAP, region.get(ValueLayout.JAVA_BYTE, USED_WRAP));
        batchCount = 0;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public boolean enableNotification() {
        return resubmitNext < resubmitCount || queue.enableNotification();
    }

}
