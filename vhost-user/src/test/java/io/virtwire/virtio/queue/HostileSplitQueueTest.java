package io.virtwire.virtio.queue;

import io.virtwire.memory.GuestMemory;
import io.virtwire.memory.GuestRegion;
import io.virtwire.vhostuser.frontend.driver.DescriptorWriter;
import io.virtwire.vhostuser.frontend.driver.DriverSplitQueue;
import io.virtwire.virtio.queue.testing.TestGuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static io.virtwire.vhostuser.frontend.driver.DriverBuffer.readable;
import static io.virtwire.vhostuser.frontend.driver.DriverBuffer.writable;
import static io.virtwire.virtio.queue.RingLayout.F_INDIRECT;
import static io.virtwire.virtio.queue.RingLayout.F_NEXT;
import static io.virtwire.virtio.queue.RingLayout.F_WRITE;
import static io.virtwire.virtio.queue.testing.Expect.assertContains;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.AVAIL;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.DATA;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.DESC;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.HIGH;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.HIGH_SIZE;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.HOLE;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.NEXT;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.NEXT_SIZE;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.USED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every rule a guest can break in a split ring ends as MALFORMED with a reason, never as an exception or a hang. */
class HostileSplitQueueTest {

    private static final int SIZE = 16;
    private static final long TABLE = DATA + 0x8000;

    private final TestGuestMemory mem = new TestGuestMemory();
    private final DriverSplitQueue driver = new DriverSplitQueue(mem.memory(), SIZE, DESC, AVAIL, USED);
    private final SplitQueue queue = new SplitQueue(SIZE, DESC, AVAIL, USED, true, mem.memory());
    private final DescriptorChain chain = new DescriptorChain();

    @AfterEach
    void close() {
        mem.close();
    }

    /** Pops once and asserts the queue broke for {@code fragments}, stays broken, and hides everything. */
    private void assertBroken(String... fragments) {
        assertEquals(ChainStatus.MALFORMED, queue.pop(chain));
        assertEquals(ChainStatus.MALFORMED, chain.status());
        assertEquals(0, chain.segmentCount());
        assertEquals(0, chain.readableBytes() + chain.writableBytes());
        assertTrue(queue.isBroken());
        assertContains(queue.brokenReason(), fragments);
        // latched: further pops, even of good chains, stay MALFORMED; used side and notifications are inert
        driver.addChain(readable(DATA, 1));
        driver.publish();
        assertEquals(ChainStatus.MALFORMED, queue.pop(chain));
        assertContains(chain.malformedReason(), fragments);
        queue.addUsed(0, 0);
        queue.publishUsed();
        assertEquals(0, driver.usedIdx());
        assertFalse(queue.needsNotification());
        assertFalse(queue.enableNotification());
    }

    @Test
    void loopingChain() {
        int a = driver.takeDescriptor();
        int b = driver.takeDescriptor();
        driver.rawDescriptor(a, DATA, 8, F_NEXT, b);
        driver.rawDescriptor(b, DATA, 8, F_NEXT, a);
        driver.rawPushHead(a);
        driver.publish();
        assertBroken("descriptor loop", "chain longer than queue size 16", "head " + a);
    }

    @Test
    void selfLoopOfZeroLengthDescriptors() {
        int a = driver.takeDescriptor();
        driver.rawDescriptor(a, 0, 0, F_NEXT, a);
        driver.rawPushHead(a);
        driver.publish();
        assertBroken("descriptor loop");
    }

    @Test
    void headOutsideTheTable() {
        driver.rawPushHead(SIZE + 3);
        driver.publish();
        assertBroken("available head 19 >= queue size 16");
    }

    @Test
    void nextOutsideTheTable() {
        int a = driver.takeDescriptor();
        driver.rawDescriptor(a, DATA, 8, F_NEXT, SIZE);
        driver.rawPushHead(a);
        driver.publish();
        assertBroken("next index 16 >= queue size 16");
    }

    @Test
    void nestedIndirect() {
        DescriptorWriter.writeSplit(mem.memory(), TABLE, DATA, 8, F_NEXT, 1);
        DescriptorWriter.writeSplit(mem.memory(), TABLE + 16, TABLE + 0x100, 32, F_INDIRECT, 0);
        rawIndirect(TABLE, 32, F_INDIRECT);
        assertBroken("nested indirect");
    }

    @Test
    void indirectLengthNotAMultipleOf16() {
        DescriptorWriter.writeSplit(mem.memory(), TABLE, DATA, 8, 0, 0);
        rawIndirect(TABLE, 24, F_INDIRECT);
        assertBroken("indirect table length 24", "multiple of 16");
    }

    @Test
    void emptyIndirectTable() {
        rawIndirect(TABLE, 0, F_INDIRECT);
        assertBroken("indirect table length 0");
    }

    @Test
    void indirectTableLargerThanTheQueue() {
        rawIndirect(TABLE, 16L * (SIZE + 1), F_INDIRECT);
        assertBroken("indirect table of 17 entries exceeds queue size 16");
    }

    @Test
    void indirectWithNext() {
        DescriptorWriter.writeSplit(mem.memory(), TABLE, DATA, 8, 0, 0);
        int a = driver.takeDescriptor();
        int b = driver.takeDescriptor();
        driver.rawDescriptor(a, TABLE, 16, F_INDIRECT | F_NEXT, b);
        driver.rawDescriptor(b, DATA, 8, 0, 0);
        driver.rawPushHead(a);
        driver.publish();
        assertBroken("INDIRECT together with NEXT");
    }

    @Test
    void indirectTableOutsideMemory() {
        rawIndirect(HOLE, 32, F_INDIRECT);
        assertBroken("indirect table gpa 0x80000000", "outside guest memory");
    }

    @Test
    void indirectTableRunningOffTheEndOfMemory() {
        // NEXT ends at NEXT + NEXT_SIZE and nothing follows: the table's second entry is unmapped
        rawIndirect(NEXT + NEXT_SIZE - 16, 32, F_INDIRECT);
        assertBroken("indirect table", "outside guest memory");
    }

    @Test
    void loopInsideAnIndirectTable() {
        DescriptorWriter.writeSplit(mem.memory(), TABLE, DATA, 8, F_NEXT, 1);
        DescriptorWriter.writeSplit(mem.memory(), TABLE + 16, DATA, 8, F_NEXT, 0);
        rawIndirect(TABLE, 32, F_INDIRECT);
        assertBroken("descriptor loop in indirect table", "2 entries");
    }

    @Test
    void nextOutsideTheIndirectTable() {
        DescriptorWriter.writeSplit(mem.memory(), TABLE, DATA, 8, F_NEXT, 2);
        DescriptorWriter.writeSplit(mem.memory(), TABLE + 16, DATA, 8, 0, 0);
        rawIndirect(TABLE, 32, F_INDIRECT);
        assertBroken("next index 2 outside the indirect table of 2 entries");
    }

    /** The descriptor prefetch only reads: over a hostile ring it takes nothing and breaks nothing; pop judges. */
    @Test
    void prefetchOverAHeadOutsideTheTableTakesNothingAndLeavesTheVerdictToPop() {
        int a = driver.takeDescriptor();
        driver.rawDescriptor(a, DATA, 8, 0, 0);
        driver.rawPushHead(a);
        driver.rawPushHead(SIZE + 3);
        driver.publish();
        queue.prefetch(32);
        assertFalse(queue.isBroken());
        assertEquals(0, queue.nextAvail());
        assertEquals(ChainStatus.OK, queue.pop(chain));
        assertEquals(8, chain.readableBytes());
        queue.prefetch(32);
        assertFalse(queue.isBroken());
        assertBroken("available head 19 >= queue size 16");
    }

    @Test
    void prefetchOverAnAvailIndexJumpingPastTheQueueSizeLeavesTheVerdictToPop() {
        driver.rawSetAvailIdx(SIZE + 1);
        queue.prefetch(32);
        assertFalse(queue.isBroken());
        assertEquals(0, queue.nextAvail());
        assertBroken("avail.idx moved from 0 to 17", "more than queue size 16");
    }

    @Test
    void availIndexJumpingPastTheQueueSize() {
        driver.rawSetAvailIdx(SIZE + 1);
        assertBroken("avail.idx moved from 0 to 17", "more than queue size 16");
    }

    @Test
    void availIndexMovingBackwards() {
        driver.addChain(readable(DATA, 1));
        driver.publish();
        assertEquals(ChainStatus.OK, queue.pop(chain));
        driver.rawSetAvailIdx(0);
        assertBroken("avail.idx moved from 1 to 0");
    }

    @Test
    void bufferOutsideMemory() {
        driver.addChain(readable(HOLE, 64));
        driver.publish();
        assertBroken("buffer gpa 0x80000000 length 64 is outside guest memory");
    }

    @Test
    void bufferRunningPastTheEndOfARegionIntoTheHole() {
        driver.addChain(writable(HIGH + HIGH_SIZE - 8, 16));
        driver.publish();
        assertBroken("outside guest memory");
    }

    @Test
    void bufferWrappingThe64BitAddressSpace() {
        driver.addChain(readable(-8L, 16));
        driver.publish();
        assertBroken("outside guest memory");
    }

    @Test
    void writableBeforeReadable() {
        driver.addChain(writable(DATA, 8), readable(DATA + 64, 8));
        driver.publish();
        assertBroken("device-readable descriptor after a device-writable one");
    }

    @Test
    void writableBeforeReadableInsideAnIndirectTable() {
        driver.addIndirectChain(TABLE, readable(DATA, 8), writable(DATA + 64, 8), readable(DATA + 128, 8));
        driver.publish();
        assertBroken("device-readable descriptor after a device-writable one");
    }

    @Test
    void directDescriptorsThenIndirectCountTowardsTheQueueSize() {
        // 10 direct descriptors, then an indirect table of 10: 20 buffers in a queue of 16
        for (int i = 0; i < 10; i++) {
            DescriptorWriter.writeSplit(mem.memory(), TABLE + 16L * i, DATA, 1, i < 9 ? F_NEXT : 0, i + 1);
        }
        int[] d = new int[11];
        for (int i = 0; i < 11; i++) {
            d[i] = driver.takeDescriptor();
        }
        for (int i = 0; i < 10; i++) {
            driver.rawDescriptor(d[i], DATA, 1, F_NEXT, d[i + 1]);
        }
        driver.rawDescriptor(d[10], TABLE, 160, F_INDIRECT, 0);
        driver.rawPushHead(d[0]);
        driver.publish();
        assertBroken("more than queue size 16 buffers");
    }

    @Test
    void zeroLengthDescriptorsAreAcceptedAndSkipped() {
        mem.write(DATA + 64, new byte[] {1, 2, 3, 4});
        // a zero-length buffer may even point nowhere: nothing is read through it
        driver.addChain(readable(HOLE, 0), readable(DATA + 64, 4), writable(HOLE, 0));
        driver.publish();
        assertEquals(ChainStatus.OK, queue.pop(chain));
        assertEquals(3, chain.segmentCount());
        assertEquals(4, chain.readableBytes());
        assertEquals(0, chain.writableBytes());
        byte[] got = new byte[4];
        assertEquals(4, chain.copyFromReadable(0, MemorySegment.ofArray(got), 0, 4));
        assertEquals(3, got[2]);
        assertFalse(queue.isBroken());
        assertNull(queue.brokenReason());
    }

    @Test
    void lengthsSummingPastU32(@TempDir Path dir) throws IOException {
        // 5 GiB of sparse file-backed guest memory: the buffers are genuinely mapped, only the sum is wrong
        try (Arena arena = Arena.ofConfined();
             FileChannel ch = FileChannel.open(dir.resolve("ram"), StandardOpenOption.CREATE, StandardOpenOption.READ,
                     StandardOpenOption.WRITE, StandardOpenOption.SPARSE)) {
            long size = 5L << 30;
            MemorySegment ram = ch.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
            GuestMemory big = new GuestMemory(List.of(new GuestRegion(0, size, 0x7f00_0000_0000L, ram)));
            DriverSplitQueue d = new DriverSplitQueue(big, SIZE, DESC, AVAIL, USED);
            SplitQueue q = new SplitQueue(SIZE, DESC, AVAIL, USED, false, big);
            d.addChain(readable(0x1_0000, 0xFFFF_FFF0L), readable(0x1_0000, 0x20));
            d.publish();
            assertEquals(ChainStatus.MALFORMED, q.pop(chain));
            assertContains(q.brokenReason(), "chain length exceeds 2^32-1 bytes");

            // exactly 2^32-1 is still legal
            DriverSplitQueue d2 = new DriverSplitQueue(big, SIZE, DESC, AVAIL, USED);
            SplitQueue q2 = new SplitQueue(SIZE, DESC, AVAIL, USED, false, big);
            d2.addChain(readable(0x1_0000, 0xFFFF_FFF0L), writable(0x1_0000, 0xF));
            d2.publish();
            assertEquals(ChainStatus.OK, q2.pop(chain));
            assertEquals(0xFFFF_FFFFL, chain.readableBytes() + chain.writableBytes());
        }
    }

    private void rawIndirect(long tableGpa, long len, int flags) {
        int head = driver.takeDescriptor();
        driver.rawDescriptor(head, tableGpa, len, flags, 0);
        driver.rawPushHead(head);
        driver.publish();
    }
}
