package io.virtwire.vhostuser.backend;

import io.virtwire.virtio.queue.ChainStatus;
import io.virtwire.virtio.queue.DescriptorChain;
import io.virtwire.virtio.queue.SplitQueue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A split queue whose taken-but-unused chains are recorded in the shared inflight buffer, following the spec's
 * procedure for split rings ("Inflight I/O tracking"): on pop, {@code desc[head].counter} then
 * {@code desc[head].inflight = 1}; on publish, the burst is linked into the last-batch list, {@code used.idx}
 * published, the entries cleared and {@code used_idx} stored. On start after a back-end restart it repairs a
 * half-finished batch, resumes taking at {@code used.idx + inflight count}, and hands out the inflight chains
 * first, oldest first, so nothing is lost and nothing is used twice.
 *
 * <p>Allocation-free after construction; one thread, like the queue it wraps.
 */
public final class InflightSplitQueue extends DelegatingQueue<SplitQueue> {

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static final long VERSION = 8;
    private static final long DESC_NUM = 10;
    private static final long LAST_BATCH_HEAD = 12;
    private static final long USED_IDX = 14;
    private static final long D_INFLIGHT = 0;
    private static final long D_NEXT = 6;
    private static final long D_COUNTER = 8;

    private final MemorySegment region;
    private final int size;
    private final int[] resubmit;
    private int resubmitCount;
    private int resubmitNext;
    private final int[] batch;
    private int batchCount;
    private long counter;

    /**
     * @param queue  the ring, already at the position the front-end set; the constructor may move its next avail index
     * @param region this queue's region of the inflight buffer
     */
    public InflightSplitQueue(SplitQueue queue, MemorySegment region) {
        super(queue);
        this.region = region;
        this.size = queue.size();
        this.batch = new int[size];
        this.resubmit = new int[size];
        int ringUsedIdx = queue.nextUsed();
        int version = Short.toUnsignedInt(region.get(U16, VERSION));
        int descNum = Short.toUnsignedInt(region.get(U16, DESC_NUM));
        if (version == 0 || descNum != size) {
            // a new buffer (or one for another ring size): nothing can have been in flight in it
            region.fill((byte) 0);
            region.set(U16, VERSION, (short) 1);
            region.set(U16, DESC_NUM, (short) size);
            region.set(U16, USED_IDX, (short) ringUsedIdx);
            return;
        }
        recover(ringUsedIdx);
    }

    private void recover(int ringUsedIdx) {
        int storedUsedIdx = Short.toUnsignedInt(region.get(U16, USED_IDX));
        if (storedUsedIdx != ringUsedIdx) {
            // the last batch reached used.idx but its inflight flags were not all cleared before the crash
            int batchSize = (ringUsedIdx - storedUsedIdx) & 0xFFFF;
            int head = Short.toUnsignedInt(region.get(U16, LAST_BATCH_HEAD));
            for (int n = 0; n < Math.min(batchSize, size) && head < size; n++) {
                region.set(ValueLayout.JAVA_BYTE, desc(head) + D_INFLIGHT, (byte) 0);
                head = Short.toUnsignedInt(region.get(U16, desc(head) + D_NEXT));
            }
            region.set(U16, USED_IDX, (short) ringUsedIdx);
        }
        long[] order = new long[size];
        int inflight = 0;
        long maxCounter = 0;
        for (int head = 0; head < size; head++) {
            if (region.get(ValueLayout.JAVA_BYTE, desc(head) + D_INFLIGHT) == 1) {
                long c = region.get(U64, desc(head) + D_COUNTER);
                maxCounter = Math.max(maxCounter, c);
                // counters are u64 from our own earlier run; sort by counter, keep the head in the low bits
                order[inflight++] = (c << 16) | head;
            }
        }
        Arrays.sort(order, 0, inflight);
        for (int i = 0; i < inflight; i++) {
            resubmit[i] = (int) (order[i] & 0xFFFF);
        }
        resubmitCount = inflight;
        counter = maxCounter + 1;
        queue.setNextAvail((ringUsedIdx + inflight) & 0xFFFF);
    }

    private static long desc(int head) {
        return InflightRegion.HEADER_SIZE + (long) head * InflightRegion.DESC_STATE_SIZE;
    }

    /** Chains found in flight at start and not yet handed out again. */
    public int pendingResubmissions() {
        return resubmitCount - resubmitNext;
    }

    @Override
    public ChainStatus pop(DescriptorChain chain) {
        if (resubmitNext < resubmitCount) {
            ChainStatus resubmitted = queue.reload(chain, resubmit[resubmitNext]);
            if (resubmitted != ChainStatus.END) { // END: an IOTLB miss, the same head is tried again later
                resubmitNext++;
            }
            return resubmitted;
        }
        ChainStatus status = queue.pop(chain);
        if (status == ChainStatus.OK) {
            long d = desc(chain.id());
            region.set(U64, d + D_COUNTER, counter++);
            region.set(ValueLayout.JAVA_BYTE, d + D_INFLIGHT, (byte) 1);
        }
        return status;
    }

    @Override
    public void addUsed(DescriptorChain chain, long writtenBytes) {
        queue.addUsed(chain, writtenBytes);
        if (!queue.isBroken()) {
            batch[batchCount++] = chain.id();
        }
    }

    @Override
    public void publishUsed() {
        if (batchCount == 0) {
            queue.publishUsed();
            return;
        }
        for (int i = 0; i < batchCount; i++) {
            int head = batch[i];
            region.set(U16, desc(head) + D_NEXT, region.get(U16, LAST_BATCH_HEAD));
            region.set(U16, LAST_BATCH_HEAD, (short) head);
        }
        queue.publishUsed();
        for (int i = 0; i < batchCount; i++) {
            region.set(ValueLayout.JAVA_BYTE, desc(batch[i]) + D_INFLIGHT, (byte) 0);
        }
        region.set(U16, USED_IDX, (short) queue.nextUsed());
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
