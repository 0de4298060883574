package io.virtwire.virtio.queue;

import io.virtwire.vhostuser.frontend.driver.DescriptorWriter;
import io.virtwire.vhostuser.frontend.driver.DriverPackedQueue;
import io.virtwire.vhostuser.frontend.driver.UsedElement;
import io.virtwire.virtio.queue.testing.TestGuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import io.virtwire.vhostuser.frontend.driver.DriverBuffer;

import static io.virtwire.vhostuser.frontend.driver.DriverBuffer.readable;
import static io.virtwire.vhostuser.frontend.driver.DriverBuffer.writable;
import static io.virtwire.virtio.queue.PackedRingLayout.EVENT_F_DESC;
import static io.virtwire.virtio.queue.PackedRingLayout.EVENT_F_DISABLE;
import static io.virtwire.virtio.queue.PackedRingLayout.EVENT_F_ENABLE;
import static io.virtwire.virtio.queue.PackedRingLayout.WRAP_BIT;
import static io.virtwire.virtio.queue.RingLayout.F_INDIRECT;
import static io.virtwire.virtio.queue.RingLayout.F_NEXT;
import static io.virtwire.virtio.queue.RingLayout.F_WRITE;
import static io.virtwire.virtio.queue.testing.Expect.assertContains;
import static io.virtwire.virtio.queue.testing.Expect.assertThrowsWith;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.DATA;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.HIGH;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.HOLE;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.NEXT;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PackedQueueTest {

    private static final long RING = 0x4000;
    private static final long DRIVER_EVENT = 0x6000;
    private static final long DEVICE_EVENT = 0x6004;
    private static final long TABLE = DATA + 0x8000;

    private final TestGuestMemory mem = new TestGuestMemory();
    private final DescriptorChain chain = new DescriptorChain();

    @AfterEach
    void close() {
        mem.close();
    }

    private DriverPackedQueue driver(int size) {
        return new DriverPackedQueue(mem.memory(), size, RING, DRIVER_EVENT, DEVICE_EVENT);
    }

    private PackedQueue device(int size, boolean eventIdx) {
        return new PackedQueue(size, RING, DRIVER_EVENT, DEVICE_EVENT, eventIdx, mem.memory());
    }

    @Test
    void chainIsTakenCopiedAndReturned() {
        DriverPackedQueue d = driver(8);
        PackedQueue q = device(8, false);
        assertEquals(ChainStatus.END, q.pop(chain));
        mem.write(DATA, pattern(40, 1));
        int id = d.addChain(readable(DATA, 40), writable(NEXT - 10, 30), writable(HIGH, 30));
        assertEquals(ChainStatus.OK, q.pop(chain));
        assertEquals(id, chain.id());
        assertEquals(3, chain.ringSlots());
        assertEquals(3, chain.segmentCount());
        assertEquals(40, chain.readableBytes());
        assertEquals(60, chain.writableBytes());
        byte[] got = new byte[40];
        chain.copyFromReadable(0, MemorySegment.ofArray(got), 0, 40);
        assertArrayEquals(pattern(40, 1), got);
        byte[] reply = pattern(50, 2);
        assertEquals(50, chain.copyToWritable(0, MemorySegment.ofArray(reply), 0, 50));
        assertArrayEquals(java.util.Arrays.copyOfRange(reply, 0, 30), mem.read(NEXT - 10, 30));
        assertEquals(3, q.nextAvail());
        assertEquals(ChainStatus.END, q.pop(new DescriptorChain()));

        q.addUsed(chain, 50);
        assertNull(d.pollUsed());
        q.publishUsed();
        assertEquals(new UsedElement(id, 50), d.pollUsed());
        assertEquals(8, d.freeSlots());
    }

    @Test
    void indirectChain() {
        DriverPackedQueue d = driver(8);
        PackedQueue q = device(8, false);
        int id = d.addIndirectChain(NEXT - 24, readable(DATA, 10), readable(DATA + 16, 10), writable(HIGH, 100));
        assertEquals(ChainStatus.OK, q.pop(chain));
        assertEquals(id, chain.id());
        assertEquals(1, chain.ringSlots());
        assertEquals(3, chain.segmentCount());
        assertEquals(20, chain.readableBytes());
        assertEquals(100, chain.writableBytes());
        q.addUsed(chain, 7);
        q.publishUsed();
        assertEquals(new UsedElement(id, 7), d.pollUsed());
    }

    @Test
    void wrapCountersFlipAsChainsGoRound() {
        int size = 5; // packed rings need not be a power of two
        DriverPackedQueue d = driver(size);
        PackedQueue q = device(size, false);
        int flipsSeen = 0;
        boolean lastWrap = q.availWrapCounter();
        for (int round = 0; round < 40; round++) {
            int len = 1 + round % 3;
            DriverBuffer[] bufs = new DriverBuffer[len];
            for (int i = 0; i < len; i++) {
                bufs[i] = i == len - 1 ? writable(DATA + 64L * i, 64) : readable(DATA + 64L * i, 64);
            }
            int id = d.addChain(bufs);
            assertEquals(ChainStatus.OK, q.pop(chain), "round " + round);
            assertEquals(id, chain.id());
            assertEquals(len, chain.ringSlots());
            assertEquals(ChainStatus.END, q.pop(new DescriptorChain()));
            q.addUsed(chain, 64);
            q.publishUsed();
            assertEquals(new UsedElement(id, 64), d.pollUsed(), "round " + round);
            if (q.availWrapCounter() != lastWrap) {
                flipsSeen++;
                lastWrap = q.availWrapCounter();
            }
            assertEquals(q.availWrapCounter(), q.usedWrapCounter());
            assertEquals(q.nextAvail(), q.nextUsed());
        }
        // 40 chains of 1,2,3 slots = 79 slots = 15 full laps of 5
        assertEquals(15, flipsSeen);
        assertFalse(q.isBroken());
    }

    @Test
    void chainCrossingTheRingEndContinuesAtSlotZero() {
        DriverPackedQueue d = driver(4);
        PackedQueue q = device(4, false);
        for (int i = 0; i < 3; i++) {
            d.addChain(writable(DATA, 1));
            q.pop(chain);
            q.addUsed(chain, 1);
            q.publishUsed();
            d.pollUsed();
        }
        // slots 3, 0, 1: the last two are on the next lap
        int id = d.addChain(readable(DATA, 1), readable(DATA + 1, 2), writable(DATA + 3, 3));
        assertEquals(ChainStatus.OK, q.pop(chain));
        assertEquals(3, chain.segmentCount());
        assertEquals(3, chain.segmentLength(1) + chain.segmentLength(0));
        assertEquals(2, q.nextAvail());
        assertFalse(q.availWrapCounter());
        q.addUsed(chain, 3);
        q.publishUsed();
        assertEquals(new UsedElement(id, 3), d.pollUsed());
        assertFalse(q.usedWrapCounter());
    }

    @Test
    void outOfOrderCompletionsInOneBurst() {
        DriverPackedQueue d = driver(8);
        PackedQueue q = device(8, false);
        int a = d.addChain(writable(DATA, 8));
        int b = d.addChain(readable(DATA + 8, 8), writable(DATA + 16, 8));
        DescriptorChain ca = new DescriptorChain();
        DescriptorChain cb = new DescriptorChain();
        assertEquals(ChainStatus.OK, q.pop(ca));
        assertEquals(ChainStatus.OK, q.pop(cb));
        q.addUsed(cb, 2);
        q.addUsed(ca, 1);
        assertNull(d.pollUsed()); // first flags held back until publish
        q.publishUsed();
        assertEquals(new UsedElement(b, 2), d.pollUsed());
        assertEquals(new UsedElement(a, 1), d.pollUsed());
        assertNull(d.pollUsed());
        assertEquals(8, d.freeSlots());
    }

    @Test
    void driverEventSuppressionWithoutEventIdx() {
        DriverPackedQueue d = driver(8);
        PackedQueue q = device(8, false);
        complete(d, q);
        assertTrue(q.needsNotification());
        d.setDriverEvent(EVENT_F_DISABLE, 0);
        complete(d, q);
        assertFalse(q.needsNotification());
        d.setDriverEvent(EVENT_F_ENABLE, 0);
        complete(d, q);
        assertTrue(q.needsNotification());
        assertFalse(q.needsNotification()); // nothing new
    }

    @Test
    void driverEventDescWithEventIdx() {
        DriverPackedQueue d = driver(4);
        PackedQueue q = device(4, true);
        complete(d, q); // used slot 1
        assertTrue(q.needsNotification());
        d.setDriverEvent(EVENT_F_DESC, 2 | WRAP_BIT); // notify when slot 2 of lap 1 is used
        complete(d, q); // slot 1 written, now at 2
        assertFalse(q.needsNotification());
        complete(d, q); // slot 2 written: crossed
        assertTrue(q.needsNotification());
        d.setDriverEvent(EVENT_F_DESC, 0); // slot 0 of the next lap (wrap 0)
        complete(d, q); // slot 3 written, wraps to 0 with wrap counter 0
        assertFalse(q.needsNotification());
        complete(d, q); // slot 0 of lap 2 written
        assertTrue(q.needsNotification());
    }

    @Test
    void enableAndDisableWriteTheDeviceEventArea() {
        DriverPackedQueue d = driver(4);
        PackedQueue q = device(4, true);
        q.disableNotification();
        assertEquals(EVENT_F_DISABLE, d.deviceEventFlags());
        assertFalse(q.enableNotification());
        assertEquals(EVENT_F_DESC, d.deviceEventFlags());
        assertEquals(WRAP_BIT, d.deviceEventOffWrap());
        d.addChain(readable(DATA, 1));
        assertTrue(q.enableNotification()); // work arrived: poll again
        q.pop(chain);
        assertFalse(q.enableNotification());
        assertEquals(1 | WRAP_BIT, d.deviceEventOffWrap());

        PackedQueue plain = new PackedQueue(4, RING, DRIVER_EVENT, DEVICE_EVENT, false, mem.memory());
        plain.enableNotification();
        assertEquals(EVENT_F_ENABLE, d.deviceEventFlags());
    }

    @Test
    void configurationIsChecked() {
        assertThrowsWith(QueueConfigException.class, () -> device(0, false), "packed queue size 0");
        assertThrowsWith(QueueConfigException.class, () -> device(32769, false), "32769");
        assertThrowsWith(QueueConfigException.class,
                () -> new PackedQueue(8, RING + 4, DRIVER_EVENT, DEVICE_EVENT, false, mem.memory()), "16-byte");
        assertThrowsWith(QueueConfigException.class,
                () -> new PackedQueue(8, RING, DRIVER_EVENT + 2, DEVICE_EVENT, false, mem.memory()), "driver event", "4-byte");
        assertThrowsWith(QueueConfigException.class,
                () -> new PackedQueue(8, RING, DRIVER_EVENT, HOLE, false, mem.memory()), "device event", "outside guest memory");
    }

    @Test
    void vringBaseCarriesSlotAndWrapCounter() {
        DriverPackedQueue d = driver(4);
        PackedQueue q = device(4, false);
        assertEquals(WRAP_BIT, q.vringBase());
        for (int i = 0; i < 5; i++) {
            complete(d, q);
        }
        assertEquals(1, q.vringBase()); // slot 1, wrap counter 0 after one lap

        // a restarted device resumes from the saved base and keeps serving the same driver
        PackedQueue restarted = device(4, false);
        restarted.setVringBase(q.vringBase());
        assertEquals(1, restarted.nextUsed());
        assertFalse(restarted.usedWrapCounter());
        complete(d, restarted);
        assertEquals(2, restarted.vringBase());
        assertThrowsWith(QueueConfigException.class, () -> restarted.setVringBase(7), "slot 7", "queue size 4");
        assertThrowsWith(QueueConfigException.class, () -> restarted.setVringBase(0x10000), "bits above 15");
    }

    // ---- hostile ----

    private PackedQueue hostile(DriverPackedQueue d, long[] addrs, long[] lens, int[] flags) {
        PackedQueue q = device(d.size(), false);
        d.rawChain(d.takeId(), addrs, lens, flags);
        assertEquals(ChainStatus.MALFORMED, q.pop(chain));
        assertEquals(0, chain.segmentCount());
        assertTrue(q.isBroken());
        assertEquals(ChainStatus.MALFORMED, q.pop(chain));
        return q;
    }

    @Test
    void chainWithNextOnEverySlotIsALoop() {
        DriverPackedQueue d = driver(4);
        PackedQueue q = hostile(d, new long[] {DATA, DATA, DATA, DATA}, new long[] {1, 1, 1, 1},
                new int[] {F_NEXT, F_NEXT, F_NEXT, F_NEXT});
        assertContains(q.brokenReason(), "packed chain longer than queue size 4");
    }

    @Test
    void nestedIndirectInPackedTable() {
        DescriptorWriter.writePacked(mem.memory(), TABLE, DATA, 8, 0, 0);
        DescriptorWriter.writePacked(mem.memory(), TABLE + 16, TABLE, 32, 0, F_INDIRECT);
        PackedQueue q = hostile(driver(8), new long[] {TABLE}, new long[] {32}, new int[] {F_INDIRECT});
        assertContains(q.brokenReason(), "nested indirect");
    }

    @Test
    void packedIndirectLengthNotAMultipleOf16() {
        PackedQueue q = hostile(driver(8), new long[] {TABLE}, new long[] {40}, new int[] {F_INDIRECT});
        assertContains(q.brokenReason(), "indirect table length 40");
    }

    @Test
    void packedIndirectWithNext() {
        PackedQueue q = hostile(driver(8), new long[] {TABLE, DATA}, new long[] {16, 1}, new int[] {F_INDIRECT | F_NEXT, 0});
        assertContains(q.brokenReason(), "INDIRECT together with NEXT");
    }

    @Test
    void packedBufferOutsideMemory() {
        PackedQueue q = hostile(driver(8), new long[] {DATA, HOLE}, new long[] {1, 1}, new int[] {F_NEXT, 0});
        assertContains(q.brokenReason(), "outside guest memory");
    }

    @Test
    void packedWritableBeforeReadable() {
        PackedQueue q = hostile(driver(8), new long[] {DATA, DATA}, new long[] {1, 1}, new int[] {F_NEXT | F_WRITE, 0});
        assertContains(q.brokenReason(), "device-readable descriptor after a device-writable one");
    }

    @Test
    void packedIndirectTableTooLarge() {
        PackedQueue q = hostile(driver(4), new long[] {TABLE}, new long[] {16 * 5}, new int[] {F_INDIRECT});
        assertContains(q.brokenReason(), "5 entries exceeds queue size 4");
    }

    @Test
    void descriptorsNotYetAvailableAreNotTaken() {
        DriverPackedQueue d = driver(4);
        PackedQueue q = device(4, false);
        // a descriptor whose AVAIL/USED bits say "used in this lap" is not available
        DescriptorWriter.writePacked(mem.memory(), RING, DATA, 1, 0, PackedRingLayout.usedFlags(true));
        assertEquals(ChainStatus.END, q.pop(chain));
        assertFalse(q.isBroken());
    }

    private static void complete(DriverPackedQueue d, PackedQueue q) {
        d.addChain(writable(DATA, 4));
        DescriptorChain c = new DescriptorChain();
        assertEquals(ChainStatus.OK, q.pop(c));
        q.addUsed(c, 4);
        q.publishUsed();
        assertTrue(d.pollUsed() != null);
    }
}
