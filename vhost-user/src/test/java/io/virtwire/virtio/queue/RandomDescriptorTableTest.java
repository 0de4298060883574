package io.virtwire.virtio.queue;

import io.virtwire.virtio.queue.testing.TestGuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;

import static io.virtwire.virtio.queue.RingLayout.F_INDIRECT;
import static io.virtwire.virtio.queue.RingLayout.F_NEXT;
import static io.virtwire.virtio.queue.RingLayout.F_WRITE;
import static io.virtwire.virtio.queue.RingLayout.U16;
import static io.virtwire.virtio.queue.RingLayout.U32;
import static io.virtwire.virtio.queue.RingLayout.U64;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.AVAIL;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.DATA;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.DESC;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.HIGH;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.HOLE;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.NEXT;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.USED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bounded randomized walk: 20 000 random descriptor tables (fixed seed), biased towards the interesting values
 * (indices just inside and outside the ring, indirect flags, lengths at region edges), each popped from a fresh
 * queue. The walker must always finish with OK or MALFORMED, never throw, and an OK chain must satisfy every
 * rule the walker promises.
 */
class RandomDescriptorTableTest {

    private static final int ROUNDS = 20_000;
    private static final int SIZE = 16;
    private static final long TABLES = DATA; // two 16-entry indirect tables live here

    private final TestGuestMemory mem = new TestGuestMemory();
    private final DescriptorChain chain = new DescriptorChain();

    @AfterEach
    void close() {
        mem.close();
    }

    @Test
    void splitWalkerAlwaysTerminatesCleanly() {
        SplittableRandom rnd = new SplittableRandom(0x5EED_0001L);
        MemorySegment low = mem.memory().regionSegment(0);
        Map<ChainStatus, Integer> seen = new EnumMap<>(ChainStatus.class);
        for (int round = 0; round < ROUNDS; round++) {
            for (int i = 0; i < SIZE; i++) {
                writeDesc(low, DESC + 16L * i, rnd, SIZE);
                writeDesc(low, TABLES + 16L * i, rnd, SIZE);
                writeDesc(low, TABLES + 0x100 + 16L * i, rnd, SIZE);
            }
            low.set(U16, AVAIL + SplitRingLayout.AVAIL_IDX, (short) (rnd.nextInt(8) == 0 ? rnd.nextInt(65536) : 1));
            low.set(U16, AVAIL + SplitRingLayout.AVAIL_RING, (short) (rnd.nextInt(10) == 0 ? rnd.nextInt(65536) : rnd.nextInt(SIZE)));
            SplitQueue q = new SplitQueue(SIZE, DESC, AVAIL, USED, rnd.nextBoolean(), mem.memory());
            ChainStatus s = q.pop(chain);
            seen.merge(s, 1, Integer::sum);
            check(s, q.isBroken(), q.brokenReason());
        }
        // the generator must exercise both outcomes, or the test proves nothing
        assertTrue(seen.getOrDefault(ChainStatus.OK, 0) > ROUNDS / 20, seen::toString);
        assertTrue(seen.getOrDefault(ChainStatus.MALFORMED, 0) > ROUNDS / 20, seen::toString);
    }

    @Test
    void packedWalkerAlwaysTerminatesCleanly() {
        SplittableRandom rnd = new SplittableRandom(0x5EED_0002L);
        MemorySegment low = mem.memory().regionSegment(0);
        long ring = 0x4000;
        Map<ChainStatus, Integer> seen = new EnumMap<>(ChainStatus.class);
        for (int round = 0; round < ROUNDS; round++) {
            for (int i = 0; i < SIZE; i++) {
                writeDesc(low, ring + 16L * i, rnd, SIZE);
                writeDesc(low, TABLES + 16L * i, rnd, SIZE);
            }
            // make the first slot available for wrap counter 1 most of the time
            int flags = Short.toUnsignedInt(low.get(U16, ring + 14));
            if (rnd.nextInt(8) != 0) {
                low.set(U16, ring + 14, (short) ((flags & 0x7) | PackedRingLayout.F_AVAIL));
            }
            PackedQueue q = new PackedQueue(SIZE, ring, 0x6000, 0x6004, rnd.nextBoolean(), mem.memory());
            ChainStatus s = q.pop(chain);
            seen.merge(s, 1, Integer::sum);
            check(s, q.isBroken(), q.brokenReason());
        }
        assertTrue(seen.getOrDefault(ChainStatus.OK, 0) > ROUNDS / 20, seen::toString);
        assertTrue(seen.getOrDefault(ChainStatus.MALFORMED, 0) > ROUNDS / 20, seen::toString);
    }

    private void check(ChainStatus s, boolean broken, String reason) {
        switch (s) {
            case OK -> {
                assertTrue(!broken);
                assertTrue(chain.segmentCount() >= 1 && chain.segmentCount() <= SIZE);
                long total = 0;
                boolean writableSeen = false;
                for (int i = 0; i < chain.segmentCount(); i++) {
                    boolean w = chain.segmentWritable(i);
                    assertTrue(w || !writableSeen, "readable after writable");
                    writableSeen |= w;
                    long len = chain.segmentLength(i);
                    total += len;
                    assertTrue(len == 0 || mem.memory().isMapped(chain.segmentAddress(i), len));
                }
                assertEquals(total, chain.readableBytes() + chain.writableBytes());
                assertTrue(total <= 0xFFFF_FFFFL);
            }
            case MALFORMED -> {
                assertTrue(broken);
                assertNotNull(reason);
                assertEquals(0, chain.segmentCount());
            }
            case END -> assertTrue(!broken);
        }
    }

    private void writeDesc(MemorySegment low, long off, SplittableRandom rnd, int size) {
        long addr = switch (rnd.nextInt(6)) {
            case 0 -> HOLE + rnd.nextInt(4096);
            case 1 -> NEXT - rnd.nextInt(64);
            case 2 -> HIGH + rnd.nextInt(4096);
            case 3 -> rnd.nextLong();
            case 4 -> TABLES + 16L * rnd.nextInt(4);
            default -> DATA + 0x1000 + rnd.nextInt(0x1000);
        };
        long len = switch (rnd.nextInt(6)) {
            case 0 -> 0;
            case 1 -> 16L * rnd.nextInt(1, 20);
            case 2 -> rnd.nextLong(0x1_0000_0000L);
            case 3 -> 0xFFFF_FFFFL;
            default -> rnd.nextInt(1, 2048);
        };
        int flags = 0;
        if (rnd.nextInt(3) != 0) {
            flags |= F_NEXT;
        }
        if (rnd.nextBoolean()) {
            flags |= F_WRITE;
        }
        if (rnd.nextInt(5) == 0) {
            flags |= F_INDIRECT;
        }
        if (rnd.nextInt(20) == 0) {
            flags = rnd.nextInt(65536);
        }
        int next = rnd.nextInt(10) == 0 ? rnd.nextInt(65536) : rnd.nextInt(size + 2);
        low.set(U64, off, addr);
        low.set(U32, off + 8, (int) len);
        low.set(U16, off + 12, (short) flags);
        low.set(U16, off + 14, (short) next);
    }
}
