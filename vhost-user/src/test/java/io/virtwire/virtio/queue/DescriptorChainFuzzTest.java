package io.virtwire.virtio.queue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.virtwire.virtio.queue.testing.TestGuestMemory;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static io.virtwire.virtio.queue.RingLayout.U16;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.AVAIL;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.DATA;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.DESC;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.USED;

/**
 * Coverage-guided fuzzing of the split walker (run with {@code JAZZER_FUZZ=1}); a plain {@code mvn test} replays
 * the inputs under src/test/resources/.../DescriptorChainFuzzTestInputs and the empty input. The fuzzer writes the
 * descriptor table, an indirect-table area and the available ring from its bytes; any exception, or an OK chain
 * that breaks a walker rule, is a finding.
 */
class DescriptorChainFuzzTest {

    private static final int SIZE = 32;

    /** Input: avail.idx (u16), four avail ring entries (u16), an EVENT_IDX byte, then descriptor table and indirect area. */
    @FuzzTest(maxDuration = "30s")
    void splitPop(byte[] input) {
        ByteBuffer data = ByteBuffer.wrap(input).order(ByteOrder.LITTLE_ENDIAN);
        try (TestGuestMemory mem = new TestGuestMemory()) {
            MemorySegment low = mem.memory().regionSegment(0);
            low.set(U16, AVAIL + SplitRingLayout.AVAIL_IDX, shortOrZero(data));
            for (int i = 0; i < 4; i++) {
                low.set(U16, AVAIL + SplitRingLayout.availRingOffset(i), shortOrZero(data));
            }
            boolean eventIdx = data.hasRemaining() && (data.get() & 1) != 0;
            int tableBytes = Math.min(data.remaining(), SIZE * 16);
            MemorySegment.copy(MemorySegment.ofArray(input), data.position(), low, DESC, tableBytes);
            data.position(data.position() + tableBytes);
            int indirectBytes = Math.min(data.remaining(), SIZE * 16);
            MemorySegment.copy(MemorySegment.ofArray(input), data.position(), low, DATA, indirectBytes);
            SplitQueue q = new SplitQueue(SIZE, DESC, AVAIL, USED, eventIdx, mem.memory());
            DescriptorChain chain = new DescriptorChain();
            for (int i = 0; i < 4; i++) {
                ChainStatus s = q.pop(chain);
                if (s == ChainStatus.OK) {
                    long total = chain.readableBytes() + chain.writableBytes();
                    if (total > 0xFFFF_FFFFL || chain.segmentCount() > SIZE) {
                        throw new AssertionError("OK chain breaks a rule: " + total + " bytes, " + chain.segmentCount() + " segments");
                    }
                    for (int k = 0; k < chain.segmentCount(); k++) {
                        if (chain.segmentLength(k) != 0 && !mem.memory().isMapped(chain.segmentAddress(k), chain.segmentLength(k))) {
                            throw new AssertionError("OK chain has an unmapped segment");
                        }
                    }
                } else if (s == ChainStatus.MALFORMED && (!q.isBroken() || chain.segmentCount() != 0)) {
                    throw new AssertionError("MALFORMED without a broken queue or with segments");
                } else if (s != ChainStatus.OK) {
                    break;
                }
            }
        }
    }

    /**
     * The same walk under VIRTIO_F_ACCESS_PLATFORM: IOVA = GPA, but the readable view lacks one data page and the
     * writable view another (chosen by the first two bytes; bit 7 of the second also drops the adjacent NEXT
     * region from the writable view). A pop may end in a miss: then it must answer END, report an address the
     * needed view really lacks, leave the queue unbroken, and not consume the entry; an OK chain must lie wholly
     * in the views its segments need.
     */
    @FuzzTest(maxDuration = "30s")
    void splitPopTranslated(byte[] input) {
        if (input.length < 2) {
            return;
        }
        ByteBuffer data = ByteBuffer.wrap(input, 2, input.length - 2).slice().order(ByteOrder.LITTLE_ENDIAN);
        long readHole = DATA + (input[0] & 0x0F) * 0x1000L;
        long writeHole = DATA + (input[1] & 0x0F) * 0x1000L;
        boolean noNextWritable = (input[1] & 0x80) != 0;
        try (TestGuestMemory mem = new TestGuestMemory()) {
            io.virtwire.vhostuser.memory.IotlbCache cache = new io.virtwire.vhostuser.memory.IotlbCache();
            long user = TestGuestMemory.USER_OFFSET;
            cache.update(0, TestGuestMemory.LOW_SIZE, user, io.virtwire.vhostuser.memory.IotlbCache.READ
                    | io.virtwire.vhostuser.memory.IotlbCache.WRITE, mem.memory());
            cache.update(TestGuestMemory.NEXT, TestGuestMemory.NEXT_SIZE, TestGuestMemory.NEXT + user,
                    noNextWritable ? io.virtwire.vhostuser.memory.IotlbCache.READ : 3, mem.memory());
            cache.update(TestGuestMemory.HIGH, TestGuestMemory.HIGH_SIZE, TestGuestMemory.HIGH + user, 3, mem.memory());
            cache.invalidate(readHole, 0x1000);
            if (writeHole != readHole) {
                cache.update(readHole, 0x1000, readHole + user, io.virtwire.vhostuser.memory.IotlbCache.WRITE, mem.memory());
                cache.update(writeHole, 0x1000, writeHole + user, io.virtwire.vhostuser.memory.IotlbCache.READ, mem.memory());
            }
            io.virtwire.vhostuser.memory.IotlbCache.View view = cache.view(mem.memory());
            MemorySegment low = mem.memory().regionSegment(0);
            low.set(U16, AVAIL + SplitRingLayout.AVAIL_IDX, shortOrZero(data));
            for (int i = 0; i < 4; i++) {
                low.set(U16, AVAIL + SplitRingLayout.availRingOffset(i), shortOrZero(data));
            }
            boolean eventIdx = data.hasRemaining() && (data.get() & 1) != 0;
            int tableBytes = Math.min(data.remaining(), SIZE * 16);
            MemorySegment.copy(MemorySegment.ofArray(input), 2 + data.position(), low, DESC, tableBytes);
            data.position(data.position() + tableBytes);
            int indirectBytes = Math.min(data.remaining(), SIZE * 16);
            MemorySegment.copy(MemorySegment.ofArray(input), 2 + data.position(), low, DATA, indirectBytes);
            long[] miss = {-1, 0};
            SplitQueue q = new SplitQueue(SIZE, DESC, AVAIL, USED, eventIdx,
                    new IovaMemory(view.readable(), view.writable(), (iova, write) -> {
                        miss[0] = iova;
                        miss[1] = write ? 1 : 0;
                    }));
            DescriptorChain chain = new DescriptorChain();
            for (int i = 0; i < 4; i++) {
                int before = q.nextAvail();
                miss[0] = -1;
                ChainStatus s = q.pop(chain);
                if (s == ChainStatus.OK) {
                    for (int k = 0; k < chain.segmentCount(); k++) {
                        var v = chain.segmentWritable(k) ? view.writable() : view.readable();
                        if (chain.segmentLength(k) != 0 && !v.isMapped(chain.segmentAddress(k), chain.segmentLength(k))) {
                            throw new AssertionError("OK chain has a segment outside the view it needs");
                        }
                    }
                } else if (s == ChainStatus.END && q.awaitingTranslation()) {
                    if (q.isBroken() || q.nextAvail() != before) {
                        throw new AssertionError("a miss broke the queue or consumed the entry");
                    }
                    var v = miss[1] == 1 ? view.writable() : view.readable();
                    if (miss[0] != -1 && v.isMapped(miss[0], 1)) {
                        throw new AssertionError("miss reported for a mapped address 0x" + Long.toHexString(miss[0]));
                    }
                    break;
                } else if (s == ChainStatus.MALFORMED && (!q.isBroken() || chain.segmentCount() != 0)) {
                    throw new AssertionError("MALFORMED without a broken queue or with segments");
                } else if (s != ChainStatus.OK) {
                    break;
                }
            }
        }
    }

    private static short shortOrZero(ByteBuffer data) {
        return data.remaining() >= 2 ? data.getShort() : 0;
    }
}
