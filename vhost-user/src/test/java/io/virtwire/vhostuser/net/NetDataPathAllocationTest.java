package io.virtwire.vhostuser.net;

import io.virtwire.virtio.net.ForwardCounts;
import io.virtwire.virtio.net.FrameRoute;
import io.virtwire.virtio.net.PacketBurst;

import com.sun.management.ThreadMXBean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The device's data path (fromGuest, per pair or not, / toGuest) allocates nothing per packet once warmed up. */
@Timeout(120)
class NetDataPathAllocationTest {

    @Test
    void burstsAllocateNothingPerPacket() throws Exception {
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(mx.isThreadAllocatedMemorySupported() && mx.isThreadAllocatedMemoryEnabled(), "JVM cannot count allocations");
        try (NetTestHarness h = new NetTestHarness("vw-alloc", false, true, true)) {
            PacketBurst burst = new PacketBurst();
            byte[] frame = GuestNet.frame(1000, 3);
            long deviceAllocated = 0;
            int measured = 0;
            for (int round = 0; round < 400; round++) {
                // the guest side (test code) allocates freely; only the device's calls are measured
                for (int i = 0; i < 16; i++) {
                    h.guest.send(frame);
                }
                h.guest.postReceiveBuffers(16, 1024); // 1000 + 12 fits one buffer
                burst.clear();
                long before = mx.getCurrentThreadAllocatedBytes();
                // every other round through the per-pair entry a forwarder worker owning one queue pair uses
                int got = round % 2 == 0 ? h.device.fromGuest(burst) : h.device.fromGuest(0, burst);
                int sent = h.device.toGuest(burst);
                long after = mx.getCurrentThreadAllocatedBytes();
                assertEquals(16, got);
                assertEquals(16, sent);
                h.guest.reapTransmitted();
                assertEquals(16, h.guest.receive().size());
                if (round >= 100) { // after JIT warm-up and the chains' storage has grown
                    deviceAllocated += after - before;
                    measured += got + sent;
                }
            }
            // under one byte per packet on average: a per-packet allocation (16 bytes at least) cannot pass, while the
            // odd one-off allocation of the runtime (a deoptimisation, a lazily linked call site) does not fail the test
            assertTrue(deviceAllocated < measured, "device allocated " + deviceAllocated + " bytes for " + measured + " packets");
        }
    }

    /** Guest to guest in one copy ({@link VhostUserNetDevice#forwardTo}) allocates nothing per packet either. */
    @Test
    void guestToGuestAllocatesNothingPerPacket() throws Exception {
        guestToGuestAllocatesNothingPerPacket(false);
    }

    /** The same with plain records (the path of guests on hugepages). */
    @Test
    void guestToGuestWithPlainRecordsAllocatesNothingPerPacket() throws Exception {
        guestToGuestAllocatesNothingPerPacket(true);
    }

    private static void guestToGuestAllocatesNothingPerPacket(boolean plainRecords) throws Exception {
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(mx.isThreadAllocatedMemorySupported() && mx.isThreadAllocatedMemoryEnabled(), "JVM cannot count allocations");
        try (NetTestHarness a = new NetTestHarness("vw-alloc-ga", false, true, true);
             NetTestHarness b = new NetTestHarness("vw-alloc-gb", false, true, true)) {
            if (plainRecords) {
                a.device.recordsOnAnyPages();
            }
            PacketBurst burst = new PacketBurst(64);
            ForwardCounts counts = new ForwardCounts();
            byte[] frame = GuestNet.frame(1000, 3);
            byte[] header = new byte[12];
            long allocated = 0;
            int measured = 0;
            // the switch's kind of route: the heads are copied out and looked at
            FrameRoute toB = Routes.byHeads(heads -> heads.count() == 16 ? b.device : null);
            for (int round = 0; round < 400; round++) {
                for (int i = 0; i < 16; i++) {
                    a.guest.sendOneBuffer(header, frame);
                }
                b.guest.postReceiveBuffers(16, 1024);
                burst.clear();
                long before = mx.getCurrentThreadAllocatedBytes();
                boolean done = a.device.forwardTo(0, toB, burst, counts);
                long after = mx.getCurrentThreadAllocatedBytes();
                assertTrue(done);
                assertEquals(16, counts.delivered());
                a.guest.reapTransmitted();
                assertEquals(16, b.guest.receive().size());
                if (round >= 100) {
                    allocated += after - before;
                    measured += counts.delivered();
                }
            }
            assertTrue(b.device.toGuestDirectFrames() > 0, "the one-copy path ran");
            assertTrue(allocated < measured, "forwardTo allocated " + allocated + " bytes for " + measured + " packets");
        }
    }
}
