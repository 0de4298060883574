package io.virtwire.virtio.queue;

import io.virtwire.vhostuser.frontend.driver.DriverPackedQueue;
import io.virtwire.vhostuser.frontend.driver.DriverSplitQueue;
import io.virtwire.vhostuser.frontend.driver.UsedElement;
import io.virtwire.virtio.queue.testing.TestGuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.virtwire.vhostuser.frontend.driver.DriverBuffer.readable;
import static io.virtwire.vhostuser.frontend.driver.DriverBuffer.writable;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.AVAIL;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.DATA;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.DESC;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.USED;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Driver and device on two threads, as in production: the driver offers numbered requests, the device echoes
 * each number (plus one) into the chain's writable buffer, the driver checks every reply. A missing fence or a
 * publish in the wrong order shows up as a wrong or lost number, and a lost wake-up as the timeout.
 */
class ConcurrentRingTest {

    private static final int PACKETS = 50_000;
    private static final int SIZE = 64;

    private final TestGuestMemory mem = new TestGuestMemory();

    @AfterEach
    void close() {
        mem.close();
    }

    private static long request(int slot) {
        return DATA + 16L * slot;
    }

    private static long reply(int slot) {
        return DATA + 0x4000 + 16L * slot;
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void splitRingEchoesEveryRequest() throws Exception {
        DriverSplitQueue driver = new DriverSplitQueue(mem.memory(), SIZE, DESC, AVAIL, USED);
        SplitQueue device = new SplitQueue(SIZE, DESC, AVAIL, USED, true, mem.memory());
        CompletableFuture<Long> served = CompletableFuture.supplyAsync(() -> serve(device));
        MemorySegment low = mem.memory().regionSegment(0);
        int[] slotOfHead = new int[SIZE];
        int sent = 0;
        int received = 0;
        int inFlight = 0;
        while (received < PACKETS) {
            while (sent < PACKETS && inFlight < SIZE / 2) {
                int slot = sent % SIZE;
                low.set(ValueLayout.JAVA_LONG_UNALIGNED, request(slot), sent);
                int head = driver.addChain(readable(request(slot), 8), writable(reply(slot), 8));
                slotOfHead[head] = slot;
                driver.publish();
                sent++;
                inFlight++;
            }
            UsedElement e = driver.pollUsed();
            if (e == null) {
                Thread.onSpinWait();
                continue;
            }
            int slot = slotOfHead[e.id()];
            assertEquals(8, e.length());
            assertEquals(received + 1, low.get(ValueLayout.JAVA_LONG_UNALIGNED, reply(slot)), "reply " + received);
            received++;
            inFlight--;
        }
        assertEquals(PACKETS, served.get(30, TimeUnit.SECONDS));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void packedRingEchoesEveryRequest() throws Exception {
        long ring = 0x4000;
        DriverPackedQueue driver = new DriverPackedQueue(mem.memory(), SIZE, ring, 0x6000, 0x6004);
        PackedQueue device = new PackedQueue(SIZE, ring, 0x6000, 0x6004, true, mem.memory());
        CompletableFuture<Long> served = CompletableFuture.supplyAsync(() -> serve(device));
        MemorySegment low = mem.memory().regionSegment(0);
        int[] slotOfId = new int[SIZE];
        int sent = 0;
        int received = 0;
        while (received < PACKETS) {
            while (sent < PACKETS && driver.freeSlots() >= 2) {
                int slot = sent % SIZE;
                low.set(ValueLayout.JAVA_LONG_UNALIGNED, request(slot), sent);
                int id = driver.addChain(readable(request(slot), 8), writable(reply(slot), 8));
                slotOfId[id] = slot;
                sent++;
            }
            UsedElement e = driver.pollUsed();
            if (e == null) {
                Thread.onSpinWait();
                continue;
            }
            assertEquals(received + 1, low.get(ValueLayout.JAVA_LONG_UNALIGNED, reply(slotOfId[e.id()])), "reply " + received);
            received++;
        }
        assertEquals(PACKETS, served.get(30, TimeUnit.SECONDS));
    }

    /** The device loop: bursts of up to 8, one publish per burst; returns how many chains it served. */
    private static long serve(Virtqueue q) {
        DescriptorChain[] burst = new DescriptorChain[8];
        for (int i = 0; i < burst.length; i++) {
            burst[i] = new DescriptorChain();
        }
        MemorySegment buf = MemorySegment.ofArray(new long[1]);
        long served = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(50);
        while (served < PACKETS && System.nanoTime() < deadline) {
            int n = 0;
            while (n < burst.length && q.pop(burst[n]) == ChainStatus.OK) {
                n++;
            }
            if (q.isBroken()) {
                throw new AssertionError(q.brokenReason());
            }
            for (int i = 0; i < n; i++) {
                DescriptorChain c = burst[i];
                c.copyFromReadable(0, buf, 0, 8);
                buf.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, buf.get(ValueLayout.JAVA_LONG_UNALIGNED, 0) + 1);
                q.addUsed(c, c.copyToWritable(0, buf, 0, 8));
            }
            q.publishUsed();
            served += n;
            if (n == 0) {
                Thread.onSpinWait();
            }
        }
        return served;
    }
}
