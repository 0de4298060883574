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

    private static short shortOrZero(ByteBuffer data) {
        return data.remaining() >= 2 ? data.getShort() : 0;
    }
}
