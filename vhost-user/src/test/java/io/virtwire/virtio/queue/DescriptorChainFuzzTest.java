package io.virtwire.virtio.queue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.virtwire.virtio.queue.testing.TestGuestMemory;

import java.lang.foreign.MemorySegment;

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

    @FuzzTest(maxDuration = "30s")
    void splitPop(FuzzedDataProvider data) {
        try (TestGuestMemory mem = new TestGuestMemory()) {
            MemorySegment low = mem.memory().regionSegment(0);
            byte[] table = data.consumeBytes(SIZE * 16);
            MemorySegment.copy(MemorySegment.ofArray(table), 0, low, DESC, table.length);
            byte[] indirect = data.consumeBytes(SIZE * 16);
            MemorySegment.copy(MemorySegment.ofArray(indirect), 0, low, DATA, indirect.length);
            low.set(U16, AVAIL + SplitRingLayout.AVAIL_IDX, data.consumeShort());
            for (int i = 0; i < 4; i++) {
                low.set(U16, AVAIL + SplitRingLayout.availRingOffset(i), data.consumeShort());
            }
            SplitQueue q = new SplitQueue(SIZE, DESC, AVAIL, USED, data.consumeBoolean(), mem.memory());
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
}
