package io.virtwire.virtio.queue;

import io.virtwire.vhostuser.frontend.driver.DriverBuffer;
import io.virtwire.vhostuser.frontend.driver.DriverSplitQueue;
import io.virtwire.vhostuser.frontend.driver.UsedElement;
import io.virtwire.virtio.queue.testing.TestGuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static io.virtwire.vhostuser.frontend.driver.DriverBuffer.readable;
import static io.virtwire.vhostuser.frontend.driver.DriverBuffer.writable;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.AVAIL;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.DATA;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.DESC;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.HIGH;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.NEXT;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.USED;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.pattern;
import static io.virtwire.virtio.queue.testing.Expect.assertThrowsWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SplitQueueTest {

    private final TestGuestMemory mem = new TestGuestMemory();
    private final DriverSplitQueue driver = new DriverSplitQueue(mem.memory(), 256, DESC, AVAIL, USED);
    private final DescriptorChain chain = new DescriptorChain();

    @AfterEach
    void close() {
        mem.close();
    }

    private SplitQueue device(boolean eventIdx) {
        return new SplitQueue(256, DESC, AVAIL, USED, eventIdx, mem.memory());
    }

    @Test
    void emptyRingGivesEnd() {
        SplitQueue q = device(false);
        assertEquals(ChainStatus.END, q.pop(chain));
        assertEquals(ChainStatus.END, chain.status());
        assertEquals(0, chain.segmentCount());
        assertFalse(q.isBroken());
    }

    @Test
    void unpublishedChainIsNotSeen() {
        SplitQueue q = device(false);
        driver.addChain(readable(DATA, 10));
        assertEquals(ChainStatus.END, q.pop(chain));
        driver.publish();
        assertEquals(ChainStatus.OK, q.pop(chain));
    }

    @Test
    void plainChainIsReadCopiedAndReturned() {
        byte[] request = pattern(100, 1);
        mem.write(DATA, request);
        int head = driver.addChain(readable(DATA, 100), writable(DATA + 0x1000, 50), writable(HIGH, 150));
        driver.publish();
        SplitQueue q = device(false);

        assertEquals(ChainStatus.OK, q.pop(chain));
        assertEquals(head, chain.id());
        assertEquals(3, chain.segmentCount());
        assertEquals(1, chain.readableCount());
        assertEquals(100, chain.readableBytes());
        assertEquals(200, chain.writableBytes());
        assertEquals(HIGH, chain.segmentAddress(2));
        assertFalse(chain.segmentWritable(0));
        assertTrue(chain.segmentWritable(1));

        byte[] got = new byte[100];
        assertEquals(100, chain.copyFromReadable(0, MemorySegment.ofArray(got), 0, 100));
        assertArrayEquals(request, got);

        byte[] reply = pattern(120, 2);
        assertEquals(120, chain.copyToWritable(0, MemorySegment.ofArray(reply), 0, 120));
        assertArrayEquals(java.util.Arrays.copyOfRange(reply, 0, 50), mem.read(DATA + 0x1000, 50));
        assertArrayEquals(java.util.Arrays.copyOfRange(reply, 50, 120), mem.read(HIGH, 70));

        q.addUsed(chain, 120);
        assertNull(driver.pollUsed()); // not published yet
        q.publishUsed();
        assertEquals(new UsedElement(head, 120), driver.pollUsed());
        assertEquals(256, driver.freeDescriptors());
        assertEquals(ChainStatus.END, q.pop(chain));
    }

    @Test
    void segmentsKeepTheChainsOrder() {
        driver.addChain(readable(DATA, 10), readable(DATA + 100, 20), writable(DATA + 200, 30));
        driver.publish();
        SplitQueue q = device(false);
        assertEquals(ChainStatus.OK, q.pop(chain));
        StringBuilder seen = new StringBuilder();
        for (int i = 0; i < chain.segmentCount(); i++) {
            seen.append(chain.segmentAddress(i) - DATA).append(':').append(chain.segmentLength(i))
                    .append(chain.segmentWritable(i) ? "w " : "r ");
        }
        assertEquals("0:10r 100:20r 200:30w ", seen.toString());
        assertEquals(2, chain.readableCount());
        assertThrows(IndexOutOfBoundsException.class, () -> chain.segmentLength(3));
    }

    @Test
    void copiesWithOffsetsSpanSegments() {
        mem.write(DATA, pattern(10, 3));
        mem.write(DATA + 100, pattern(10, 4));
        driver.addChain(readable(DATA, 10), readable(DATA + 100, 10));
        driver.publish();
        SplitQueue q = device(false);
        assertEquals(ChainStatus.OK, q.pop(chain));
        byte[] got = new byte[8];
        assertEquals(8, chain.copyFromReadable(6, MemorySegment.ofArray(got), 0, 8));
        byte[] expected = new byte[8];
        System.arraycopy(pattern(10, 3), 6, expected, 0, 4);
        System.arraycopy(pattern(10, 4), 0, expected, 4, 4);
        assertArrayEquals(expected, got);
        // asking past the end copies what there is
        assertEquals(5, chain.copyFromReadable(15, MemorySegment.ofArray(got), 0, 8));
        assertEquals(0, chain.copyToWritable(0, MemorySegment.ofArray(got), 0, 8));
    }

    @Test
    void indirectChainInHighRegion() {
        mem.write(HIGH + 0x1000, pattern(64, 5));
        int head = driver.addIndirectChain(HIGH + 0x100, readable(HIGH + 0x1000, 64), writable(NEXT, 32), writable(DATA, 32));
        driver.publish();
        SplitQueue q = device(false);
        assertEquals(ChainStatus.OK, q.pop(chain));
        assertEquals(head, chain.id());
        assertEquals(3, chain.segmentCount());
        assertEquals(64, chain.readableBytes());
        assertEquals(64, chain.writableBytes());
        byte[] got = new byte[64];
        chain.copyFromReadable(0, MemorySegment.ofArray(got), 0, 64);
        assertArrayEquals(pattern(64, 5), got);
        q.addUsed(chain, 64);
        q.publishUsed();
        assertEquals(new UsedElement(head, 64), driver.pollUsed());
    }

    @Test
    void indirectTableCrossingARegionBoundaryIsReadPerRegion() {
        // entry 0 ends 8 bytes before the boundary, entry 1 straddles LOW and NEXT
        long table = NEXT - 24;
        driver.addIndirectChain(table, readable(DATA, 11), writable(DATA + 64, 22), writable(HIGH, 33));
        driver.publish();
        SplitQueue q = device(false);
        assertEquals(ChainStatus.OK, q.pop(chain));
        assertEquals(3, chain.segmentCount());
        assertEquals(22, chain.segmentLength(1));
        assertEquals(DATA + 64, chain.segmentAddress(1));
        assertEquals(33, chain.segmentLength(2));
    }

    @Test
    void buffersCrossingRegionsAreCopiedPiecewise() {
        byte[] request = pattern(300, 6);
        long crossing = NEXT - 100;
        mem.write(crossing, request);
        driver.addChain(readable(crossing, 300), writable(NEXT - 7, 20));
        driver.publish();
        SplitQueue q = device(false);
        assertEquals(ChainStatus.OK, q.pop(chain));
        byte[] got = new byte[300];
        assertEquals(300, chain.copyFromReadable(0, MemorySegment.ofArray(got), 0, 300));
        assertArrayEquals(request, got);
        byte[] reply = pattern(20, 7);
        assertEquals(20, chain.copyToWritable(0, MemorySegment.ofArray(reply), 0, 20));
        assertArrayEquals(reply, mem.read(NEXT - 7, 20));
    }

    @Test
    void singleBufferPartsNameTheRegionHoldingThem() {
        driver.addChain(readable(DATA, 100), writable(HIGH, 200));         // one buffer each way
        driver.addChain(readable(NEXT - 100, 300), writable(NEXT - 7, 20)); // both cross into NEXT
        driver.addChain(readable(DATA, 10), readable(DATA + 64, 10));     // two readable, no writable
        driver.publish();
        SplitQueue q = device(false);
        var memory = mem.memory();
        assertEquals(ChainStatus.OK, q.pop(chain));
        assertEquals(memory.regionIndex(DATA), chain.readableRegion());
        assertEquals(memory.regionIndex(HIGH), chain.writableRegion());
        assertTrue(chain.readableRegion() != chain.writableRegion(), "DATA and HIGH are different regions");
        assertEquals(ChainStatus.OK, q.pop(chain));
        assertEquals(-1, chain.readableRegion(), "a buffer crossing regions has no one region");
        assertEquals(-1, chain.writableRegion());
        assertEquals(ChainStatus.OK, q.pop(chain));
        assertEquals(-1, chain.readableRegion(), "two buffers");
        assertEquals(-1, chain.writableRegion(), "none");
        assertEquals(ChainStatus.END, q.pop(chain));
        assertEquals(-1, chain.readableRegion(), "nothing taken");
    }

    /** The usual frame is a chain of one descriptor: the queue's short path takes it, and must agree with the long one. */
    @Test
    void oneDescriptorChainsTakeTheShortPathAndAgreeWithTheLongOne() {
        byte[] frame = pattern(300, 9);
        mem.write(NEXT - 100, frame);
        driver.addChain(readable(DATA, 100));        // a transmitted frame
        driver.addChain(writable(HIGH, 200));        // a receive buffer
        driver.addChain(readable(NEXT - 100, 300));  // one buffer crossing into the adjacent region
        driver.addChain(writable(DATA, 0));          // zero length: kept, never touched
        driver.publish();
        SplitQueue q = device(false);
        var memory = mem.memory();
        assertEquals(ChainStatus.OK, q.pop(chain));
        assertEquals(1, chain.readableCount());
        assertEquals(100, chain.readableBytes());
        assertEquals(memory.regionIndex(DATA), chain.readableRegion());
        assertEquals(-1, chain.writableRegion());
        assertEquals(ChainStatus.OK, q.pop(chain));
        assertEquals(0, chain.readableCount());
        assertEquals(200, chain.writableBytes());
        assertEquals(-1, chain.readableRegion());
        assertEquals(memory.regionIndex(HIGH), chain.writableRegion());
        assertEquals(ChainStatus.OK, q.pop(chain));
        assertEquals(-1, chain.readableRegion(), "a buffer crossing regions has no one region");
        byte[] got = new byte[300];
        assertEquals(300, chain.copyFromReadable(0, MemorySegment.ofArray(got), 0, 300));
        assertArrayEquals(frame, got);
        assertEquals(ChainStatus.OK, q.pop(chain));
        assertEquals(1, chain.segmentCount());
        assertEquals(0, chain.writableBytes());
        assertEquals(ChainStatus.END, q.pop(chain));
        assertEquals(-1, chain.readableRegion(), "nothing taken");
        assertEquals(-1, chain.writableRegion(), "nothing taken");
    }

    /**
     * popPlain takes one-descriptor chains of the direction and lengths asked, each inside one region, as plain
     * records, and stops, untaken, at the first that is not: pop then takes that one and judges it.
     */
    @Test
    void popPlainTakesTheUsualChainsAndLeavesTheFirstOtherForPop() {
        SplitQueue q = device(false);
        var memory = mem.memory();
        int[] heads = {
                driver.addChain(readable(DATA, 100)),
                driver.addChain(readable(HIGH + 8, 60)),
                driver.addChain(readable(DATA, 12), readable(DATA + 64, 60)), // two descriptors: not plain
                driver.addChain(readable(DATA + 0x200, 70)),
        };
        driver.publish();
        PlainBatch batch = new PlainBatch(32);
        assertEquals(2, q.popPlain(batch, 32, false, 1, null, 9000));
        assertEquals(2, batch.count());
        assertTrue(batch.stoppedEarly());
        assertEquals(memory, batch.memory());
        assertEquals(heads[0], batch.ids[0]);
        assertEquals(memory.regionIndex(DATA), batch.regions[0]);
        assertEquals(DATA - memory.regionGpa(batch.regions[0]), batch.offsets[0]);
        assertEquals(100, batch.lengths[0]);
        assertEquals(heads[1], batch.ids[1]);
        assertEquals(memory.regionIndex(HIGH), batch.regions[1]);
        assertEquals(HIGH + 8 - memory.regionGpa(batch.regions[1]), batch.offsets[1]);
        assertEquals(60, batch.lengths[1]);

        assertEquals(0, q.popPlain(batch, 32, false, 1, null, 9000), "the two-descriptor chain is pop's");
        assertTrue(batch.stoppedEarly());
        assertEquals(ChainStatus.OK, q.pop(chain));
        assertEquals(heads[2], chain.id());
        assertEquals(1, q.popPlain(batch, 32, false, 1, null, 9000));
        assertEquals(heads[3], batch.ids[0]);
        assertEquals(0, q.popPlain(batch, 32, false, 1, null, 9000));
        assertFalse(batch.stoppedEarly(), "the ring is empty: nothing left for pop");
        assertEquals(ChainStatus.END, q.pop(chain));

        q.addUsed(batch.ids[0], 0);
        q.addUsed(heads[0], 0);
        q.publishUsed();
        assertEquals(new UsedElement(heads[3], 0), driver.pollUsed());
        assertEquals(new UsedElement(heads[0], 0), driver.pollUsed());
        assertFalse(q.isBroken());
    }

    @Test
    void popPlainStopsAtEveryKindOfChainItMustNotTake() {
        var memory = mem.memory();
        long end = memory.regionEnd(memory.regionIndex(HIGH));
        DriverBuffer[][] others = {
                {writable(DATA, 100)},            // the other direction
                {readable(DATA, 0)},              // empty
                {readable(DATA, 10)},             // shorter than asked
                {readable(DATA, 5000)},           // longer than asked
                {readable(NEXT - 100, 300)},      // across two regions
                {readable(end - 10, 100)},        // leaves guest memory
                {readable(0x7_0000_0000L, 64)},   // outside guest memory
        };
        for (DriverBuffer[] other : others) {
            TestGuestMemory m = new TestGuestMemory();
            try {
                DriverSplitQueue d = new DriverSplitQueue(m.memory(), 256, DESC, AVAIL, USED);
                SplitQueue q = new SplitQueue(256, DESC, AVAIL, USED, false, m.memory());
                d.addChain(readable(DATA, 100));
                d.addChain(other);
                d.publish();
                PlainBatch batch = new PlainBatch(32);
                assertEquals(1, q.popPlain(batch, 32, false, 20, null, 2000), java.util.Arrays.toString(other));
                assertTrue(batch.stoppedEarly());
                assertEquals(0, q.popPlain(batch, 32, false, 20, null, 2000));
                assertFalse(q.isBroken(), "popPlain judges nothing: pop does");
                ChainStatus s = q.pop(chain);
                assertTrue(s == ChainStatus.OK || s == ChainStatus.MALFORMED, s.toString());
            } finally {
                m.close();
            }
        }
    }

    @Test
    void popPlainChecksEachReceiveBufferAgainstWhatItsFrameNeeds() {
        SplitQueue q = device(false);
        driver.addChain(writable(DATA, 200));
        driver.addChain(writable(DATA + 0x400, 100));
        driver.addChain(writable(DATA + 0x800, 2048));
        driver.publish();
        PlainBatch batch = new PlainBatch(32);
        assertEquals(0, q.popPlain(batch, 3, false, 1, null, 9000), "receive buffers are not device-readable");
        assertEquals(1, q.popPlain(batch, 3, true, 0, new long[] {150, 150, 150}, Long.MAX_VALUE));
        assertTrue(batch.stoppedEarly(), "100 bytes cannot hold the second frame");
        assertEquals(ChainStatus.OK, q.pop(chain));
        assertEquals(100, chain.writableBytes());
        assertEquals(1, q.popPlain(batch, 1, true, 0, new long[] {2000}, Long.MAX_VALUE));
        assertFalse(batch.stoppedEarly(), "stopped at max");
    }

    /** An avail index that jumps more than a ring ahead is for pop to name; popPlain takes nothing past it. */
    @Test
    void popPlainLeavesABadAvailIndexToPop() {
        SplitQueue q = device(false);
        driver.addChain(readable(DATA, 100));
        driver.rawSetAvailIdx(1000);
        PlainBatch batch = new PlainBatch(32);
        assertEquals(0, q.popPlain(batch, 32, false, 1, null, 9000));
        assertTrue(batch.stoppedEarly());
        assertFalse(q.isBroken());
        assertEquals(ChainStatus.MALFORMED, q.pop(chain));
        assertTrue(q.brokenReason().contains("more than queue size"), q.brokenReason());
        assertEquals(0, q.popPlain(batch, 32, false, 1, null, 9000), "a broken queue takes nothing");
    }

    @Test
    void oneDescriptorChainOutsideGuestMemoryIsMalformedWithItsAddress() {
        SplitQueue q = device(false);
        q.setMemory(mem.without(HIGH));
        driver.addChain(writable(HIGH, 64));
        driver.publish();
        assertEquals(ChainStatus.MALFORMED, q.pop(chain));
        assertTrue(q.brokenReason().contains("buffer gpa 0x" + Long.toHexString(HIGH) + " length 64 is outside guest memory"),
                q.brokenReason());
        assertEquals(-1, chain.writableRegion());
        assertEquals(0, chain.segmentCount());
    }

    @Test
    void indicesWrapPast65535() {
        driver.startIndicesAt(65530);
        SplitQueue q = device(true);
        q.setNextAvail(65530);
        assertEquals(65530, q.nextUsed());
        for (int i = 0; i < 20; i++) {
            int head = driver.addChain(readable(DATA + i, 1), writable(DATA + 0x100 + i, 1));
            driver.publish();
            assertEquals(ChainStatus.OK, q.pop(chain));
            assertEquals(head, chain.id());
            q.addUsed(chain, 1);
            q.publishUsed();
            assertEquals(new UsedElement(head, 1), driver.pollUsed());
        }
        assertEquals((65530 + 20) & 0xFFFF, q.nextAvail());
        assertEquals(14, driver.usedIdx());
        assertFalse(q.isBroken());
    }

    @Test
    void fullRingAcrossTheWrapIsNotAJump() {
        driver.startIndicesAt(65500);
        SplitQueue q = device(false);
        q.setNextAvail(65500);
        for (int i = 0; i < 256; i++) {
            driver.addChain(readable(DATA, 1));
        }
        driver.publish(); // avail.idx = 65500 + 256 mod 65536 = 220: exactly a full ring, legal
        for (int i = 0; i < 256; i++) {
            assertEquals(ChainStatus.OK, q.pop(chain));
        }
        assertEquals(ChainStatus.END, q.pop(chain));
        assertFalse(q.isBroken());
    }

    @Test
    void usedIndexMovesOncePerBurst() {
        int[] heads = new int[3];
        for (int i = 0; i < 3; i++) {
            heads[i] = driver.addChain(writable(DATA + 64L * i, 64));
        }
        driver.publish();
        SplitQueue q = device(false);
        DescriptorChain[] burst = {new DescriptorChain(), new DescriptorChain(), new DescriptorChain()};
        for (DescriptorChain c : burst) {
            assertEquals(ChainStatus.OK, q.pop(c));
        }
        // complete out of order
        q.addUsed(burst[2], 3);
        q.addUsed(burst[0], 1);
        q.addUsed(burst[1], 2);
        assertEquals(0, driver.usedIdx());
        q.publishUsed();
        assertEquals(3, driver.usedIdx());
        assertEquals(new UsedElement(heads[2], 3), driver.pollUsed());
        assertEquals(new UsedElement(heads[0], 1), driver.pollUsed());
        assertEquals(new UsedElement(heads[1], 2), driver.pollUsed());
        assertNull(driver.pollUsed());
    }

    @Test
    void addUsedRefusesMoreBytesThanWritable() {
        driver.addChain(readable(DATA, 10), writable(DATA + 64, 10));
        driver.publish();
        SplitQueue q = device(false);
        q.pop(chain);
        assertThrowsWith(IllegalArgumentException.class, () -> q.addUsed(chain, 11), "11", "10 writable");
    }

    @Test
    void vringBaseIsTheNextAvailIndex() {
        SplitQueue q = device(false);
        driver.addChain(readable(DATA, 1));
        driver.addChain(readable(DATA, 1));
        driver.publish();
        q.pop(chain);
        assertEquals(1, q.vringBase());
        SplitQueue restarted = device(false);
        restarted.setVringBase(q.vringBase());
        assertEquals(ChainStatus.OK, restarted.pop(chain));
        assertEquals(ChainStatus.END, restarted.pop(chain));
        assertThrowsWith(QueueConfigException.class, () -> restarted.setVringBase(65536), "vring base 65536");
    }

    // ---- notifications ----

    private SplitQueue completeOne(SplitQueue q) {
        driver.addChain(writable(DATA, 8));
        driver.publish();
        assertEquals(ChainStatus.OK, q.pop(chain));
        q.addUsed(chain, 8);
        q.publishUsed();
        driver.pollUsed();
        return q;
    }

    @Test
    void withoutEventIdxTheNoInterruptFlagDecides() {
        SplitQueue q = completeOne(device(false));
        assertTrue(q.needsNotification());
        driver.setAvailFlags(SplitRingLayout.AVAIL_F_NO_INTERRUPT);
        completeOne(q);
        assertFalse(q.needsNotification());
    }

    @Test
    void eventIdxFirstDecisionAlwaysNotifies() {
        SplitQueue q = completeOne(device(true));
        driver.setUsedEvent(1000); // far away, but nothing was signalled yet
        assertTrue(q.needsNotification());
    }

    @Test
    void eventIdxNotifiesWhenUsedIdxCrossesUsedEvent() {
        SplitQueue q = completeOne(device(true)); // used.idx 1
        assertTrue(q.needsNotification()); // signalled at 1
        driver.setUsedEvent(2); // "tell me when you write entry 2", i.e. used.idx goes past 2
        completeOne(q); // used.idx 2: entry 1 written; event 2 not yet crossed
        assertFalse(q.needsNotification());
        completeOne(q); // used.idx 3: crossed
        assertTrue(q.needsNotification());
        completeOne(q); // used.idx 4: event 2 is behind us already
        assertFalse(q.needsNotification());
    }

    @Test
    void eventIdxBurstCrossingTheEventNotifiesOnce() {
        SplitQueue q = completeOne(device(true));
        assertTrue(q.needsNotification()); // signalled at 1
        driver.setUsedEvent(3);
        for (int i = 0; i < 5; i++) {
            driver.addChain(writable(DATA + 8L * i, 8));
        }
        driver.publish();
        for (int i = 0; i < 5; i++) {
            q.pop(chain);
            q.addUsed(chain, 0);
        }
        q.publishUsed(); // 1 -> 6 crosses 3
        assertTrue(q.needsNotification());
        assertFalse(q.needsNotification()); // nothing new since
    }

    @Test
    void eventIdxAcrossIndexWrap() {
        driver.startIndicesAt(65534);
        SplitQueue q = device(true);
        q.setNextAvail(65534);
        completeOne(q); // used 65535
        assertTrue(q.needsNotification());
        driver.setUsedEvent(0); // wants notification once entry 0 is written, i.e. used.idx 1
        completeOne(q); // used 0: entry 65535 written
        assertFalse(q.needsNotification());
        completeOne(q); // used 1: crossed event 0 across the wrap
        assertTrue(q.needsNotification());
    }

    @Test
    void needEventFormulaMatchesSpecExamples() {
        // vring_need_event(event, new, old): (u16)(new - event - 1) < (u16)(new - old)
        assertTrue(SplitRingLayout.needEvent(5, 6, 5));
        assertFalse(SplitRingLayout.needEvent(5, 5, 4));
        assertTrue(SplitRingLayout.needEvent(5, 10, 0));
        assertFalse(SplitRingLayout.needEvent(10, 10, 0));
        assertTrue(SplitRingLayout.needEvent(65535, 1, 65534));
        assertFalse(SplitRingLayout.needEvent(0, 65535, 65530));
        assertFalse(SplitRingLayout.needEvent(3, 3, 3));
    }

    @Test
    void enableNotificationWithEventIdxPublishesAvailEventAndReportsPendingWork() {
        SplitQueue q = device(true);
        assertFalse(q.enableNotification());
        assertEquals(0, driver.availEvent());
        driver.addChain(readable(DATA, 1));
        driver.publish();
        assertTrue(driver.needsKick(0, true));
        assertTrue(q.enableNotification()); // the race: work arrived, poll again
        q.pop(chain);
        assertFalse(q.enableNotification());
        assertEquals(1, driver.availEvent());
    }

    @Test
    void disableAndEnableWithoutEventIdxToggleNoNotify() {
        SplitQueue q = device(false);
        q.disableNotification();
        assertEquals(SplitRingLayout.USED_F_NO_NOTIFY, driver.usedFlags());
        assertFalse(driver.needsKick(0, false));
        assertFalse(q.enableNotification());
        assertEquals(0, driver.usedFlags());
        assertTrue(driver.needsKick(0, false));
    }

    // ---- configuration ----

    @Test
    void sizeMustBeAPowerOfTwoUpTo32768() {
        for (int bad : new int[] {0, -1, 3, 100, 65536}) {
            assertThrowsWith(QueueConfigException.class, () -> new SplitQueue(bad, DESC, AVAIL, USED, false, mem.memory()), "size " + bad, "power of two");
        }
    }

    @Test
    void ringAlignmentIsChecked() {
        assertThrowsWith(QueueConfigException.class, () -> new SplitQueue(256, DESC + 8, AVAIL, USED, false, mem.memory()), "descriptor table gpa 0x1008", "16-byte");
        assertThrowsWith(QueueConfigException.class, () -> new SplitQueue(256, DESC, AVAIL + 1, USED, false, mem.memory()), "available ring", "2-byte");
        assertThrowsWith(QueueConfigException.class, () -> new SplitQueue(256, DESC, AVAIL, USED + 2, false, mem.memory()), "used ring", "4-byte");
    }

    @Test
    void ringsMustLieInsideOneRegion() {
        assertThrowsWith(QueueConfigException.class, () -> new SplitQueue(256, TestGuestMemory.HOLE, AVAIL, USED, false, mem.memory()), "outside guest memory");
        // a used ring that starts in LOW and runs into NEXT
        assertThrowsWith(QueueConfigException.class, () -> new SplitQueue(256, DESC, AVAIL, NEXT - 1024, false, mem.memory()), "used ring", "one guest memory region");
    }

    @Test
    void memoryTableSwapRemapsOrBreaks() {
        SplitQueue q = device(false);
        q.setMemory(mem.without(HIGH));
        assertFalse(q.isBroken());
        driver.addChain(readable(DATA, 4));
        driver.publish();
        assertEquals(ChainStatus.OK, q.pop(chain));

        assertThrowsWith(QueueConfigException.class, () -> q.setMemory(mem.without(DESC)));
        assertTrue(q.isBroken());
        assertTrue(q.brokenReason().contains("memory table change"), q.brokenReason());
        assertEquals(ChainStatus.MALFORMED, q.pop(chain));
    }

    @Test
    void buffersInARemovedRegionAreMalformed() {
        SplitQueue q = device(false);
        q.setMemory(mem.without(HIGH));
        driver.addChain(readable(HIGH, 4));
        driver.publish();
        assertEquals(ChainStatus.MALFORMED, q.pop(chain));
        assertTrue(q.brokenReason().contains("outside guest memory"), q.brokenReason());
    }
}
