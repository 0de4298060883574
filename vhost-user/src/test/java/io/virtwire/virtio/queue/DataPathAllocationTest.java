package io.virtwire.virtio.queue;

import io.virtwire.vhostuser.frontend.driver.DriverSplitQueue;
import io.virtwire.virtio.queue.testing.TestGuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;

import static io.virtwire.vhostuser.frontend.driver.DriverBuffer.readable;
import static io.virtwire.vhostuser.frontend.driver.DriverBuffer.writable;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.AVAIL;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.DATA;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.DESC;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.NEXT;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.USED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The device's per-packet path (pop, copy out, copy in, addUsed, publish, notification decision) allocates
 * nothing: measured with the thread allocation counter over many packets, with chains and buffers that cross
 * a region boundary and an indirect table that does too.
 */
class DataPathAllocationTest {

    private final TestGuestMemory mem = new TestGuestMemory();

    @AfterEach
    void close() {
        mem.close();
    }

    @Test
    void popCopyAndCompleteAllocateNothingPerPacket() {
        int size = 64;
        DriverSplitQueue driver = new DriverSplitQueue(mem.memory(), size, DESC, AVAIL, USED);
        // the driver re-offers the same two chains forever: written once, then only the avail ring moves
        int plain = driver.addChain(readable(NEXT - 700, 1500), writable(DATA + 0x4000, 2048));
        int indirect = driver.addIndirectChain(NEXT - 40, readable(NEXT - 700, 1500), writable(DATA + 0x4000, 2048));
        SplitQueue q = new SplitQueue(size, DESC, AVAIL, USED, true, mem.memory());
        DescriptorChain chain = new DescriptorChain();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment packet = arena.allocate(2048);
            int[] ring = {plain, indirect};
            long warm = run(driver, q, chain, packet, ring, 20_000);
            assertEquals(20_000, warm);
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            assertTrue(mx.isThreadAllocatedMemorySupported() && mx.isThreadAllocatedMemoryEnabled(), "JVM cannot count allocations");
            long before = mx.getCurrentThreadAllocatedBytes();
            long done = run(driver, q, chain, packet, ring, 50_000);
            long allocated = mx.getCurrentThreadAllocatedBytes() - before;
            assertEquals(50_000, done);
            assertTrue(allocated < 50_000, "allocated " + allocated + " bytes for 50000 packets");
        }
    }

    /** Re-offers heads by writing avail ring entries directly (the driver side is not under test). */
    private static long run(DriverSplitQueue driver, SplitQueue q, DescriptorChain chain, MemorySegment packet, int[] heads, int packets) {
        long ok = 0;
        for (int i = 0; i < packets; i++) {
            driver.rawPushHead(heads[i & 1]);
            driver.publish();
            if (q.pop(chain) != ChainStatus.OK) {
                return -1;
            }
            long n = chain.copyFromReadable(0, packet, 0, chain.readableBytes());
            chain.copyToWritable(0, packet, 0, n);
            q.addUsed(chain, n);
            q.publishUsed();
            q.needsNotification();
            ok++;
        }
        return ok;
    }
}
