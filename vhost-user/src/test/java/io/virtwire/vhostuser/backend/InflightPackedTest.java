package io.virtwire.vhostuser.backend;

import io.virtwire.linux.EventFd;
import io.virtwire.linux.Fd;
import io.virtwire.linux.Memfd;
import io.virtwire.vhostuser.memory.DirtyLog;
import io.virtwire.vhostuser.frontend.Frontend;
import io.virtwire.vhostuser.frontend.GuestRam;
import io.virtwire.vhostuser.frontend.driver.DriverBuffer;
import io.virtwire.vhostuser.frontend.driver.DriverPackedQueue;
import io.virtwire.vhostuser.frontend.driver.UsedElement;
import io.virtwire.vhostuser.protocol.VirtioFeature;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * INFLIGHT_SHMFD for packed rings over real sockets and memfds: a back-end dies with chains in flight after
 * completing others out of order (so used descriptors overwrote slots of chains still in flight), and a new
 * back-end given the kept inflight fd resumes without losing or double-using a descriptor.
 */
@Timeout(60)
class InflightPackedTest {

    private static final long FEATURES = VirtioFeature.VIRTIO_F_VERSION_1.mask()
            | VirtioFeature.VHOST_USER_F_PROTOCOL_FEATURES.mask() | VirtioFeature.VIRTIO_F_RING_PACKED.mask();
    private static final int SIZE = 32;
    /** One bit per 4 KiB page up to the end of {@link GuestRam#standard}'s highest region (4 GiB + 1 MiB). */
    private static final long LOG_SIZE = 0x2_1000;
    /** Wrap counters 1 on both sides, slot 0: a fresh packed ring. */
    private static final long FRESH_BASE = 0x8000 | 0x8000L << 16;

    private static SessionHarness session(RecordingDevice device, GuestRam ram) throws Exception {
        return session(device, ram, FEATURES);
    }

    private static SessionHarness session(RecordingDevice device, GuestRam ram, long features) throws Exception {
        SessionHarness h = new SessionHarness(device);
        h.frontend.handshake(BackendSession.SUPPORTED_PROTOCOL_FEATURES);
        h.frontend.setFeatures(features);
        h.frontend.setMemTable(ram);
        return h;
    }

    /** Ten chains of 1 to 3 descriptors, chain 4 indirect with two buffers: 17 ring slots. */
    private static void addChains(DriverPackedQueue driver) {
        for (int i = 0; i < 10; i++) {
            if (i == 4) {
                driver.addIndirectChain(0x8000, DriverBuffer.readable(0x1_0000 + 0x400, 16),
                        DriverBuffer.writable(0x1_0000 + 0x410, 32));
                continue;
            }
            DriverBuffer[] buffers = new DriverBuffer[i % 3 + 1];
            for (int k = 0; k < buffers.length; k++) {
                buffers[k] = DriverBuffer.readable(0x1_0000 + i * 0x100 + k * 0x10, 16 + k);
            }
            driver.addChain(buffers);
        }
    }

    @Test
    void aRestartedBackendResumesAPackedRingWithoutLossOrDuplicates() throws Exception {
        resumesWithoutLossOrDuplicates(false);
    }

    /**
     * Live migration (VHOST_F_LOG_ALL and a dirty log) while inflight tracking is on: the ring handed to the
     * device is tracked and logged both. Before the queue assembler, a packed ring under dirty logging was wrapped
     * for logging around the bare ring, so its inflight tracking was silently dropped and a restart lost chains.
     */
    @Test
    void aPackedRingUnderDirtyLoggingKeepsItsInflightTracking() throws Exception {
        resumesWithoutLossOrDuplicates(true);
    }

    private void resumesWithoutLossOrDuplicates(boolean dirtyLogging) throws Exception {
        try (GuestRam ram = GuestRam.standard("vw-inflight-packed" + (dirtyLogging ? "-log" : ""));
             EventFd kick = EventFd.create();
             Fd logFd = Memfd.create("vw-h1-dirty-log", LOG_SIZE)) {
            DriverPackedQueue driver = new DriverPackedQueue(ram.memory(), SIZE, 0x1000, 0x2000, 0x3000);
            RecordingDevice first = new RecordingDevice(1, BackendSession.SUPPORTED_PROTOCOL_FEATURES,
                    VirtioFeature.VHOST_F_LOG_ALL.mask());
            SessionHarness h1 = session(first, ram, FEATURES | (dirtyLogging ? VirtioFeature.VHOST_F_LOG_ALL.mask() : 0));
            if (dirtyLogging) {
                h1.frontend.setLogBase(logFd, LOG_SIZE, 0);
            }
            Frontend.Inflight kept = h1.frontend.getInflightFd(1, SIZE);
            assertTrue(kept.desc().mmapSize() >= InflightRegion.packedQueueRegionSize(SIZE), "packed layout size");
            h1.frontend.startPackedQueue(0, driver, FRESH_BASE, kick, null);
            addChains(driver);
            // takes 6 and completes the 2nd and the 5th (the indirect one): their used descriptors land in slots 0
            // and 2, over the first chain's head and the second's own slot, while chains 1, 3, 4, 6 stay in flight
            List<String> firstRun = first.workDescribed(0, 6, List.of(1, 4));
            assertEquals(6, firstRun.size());
            if (dirtyLogging) {
                try (DirtyLog log = DirtyLog.map(logFd, LOG_SIZE, 0)) {
                    assertTrue(log.isDirty(0x1000), "the descriptor ring the device wrote used descriptors into is logged");
                    assertTrue(log.isDirty(0x3000), "and so is the device event area");
                    assertFalse(log.isDirty(0x2000), "the driver event area is only read");
                }
            }
            h1.frontend.close();
            h1.awaitEnd(Duration.ofSeconds(10));

            RecordingDevice second = new RecordingDevice(1);
            List<String> secondRun;
            try (SessionHarness h2 = session(second, ram); kept) {
                h2.frontend.setInflightFd(kept.desc(), kept.fd());
                // QEMU cannot ask a dead back-end for the ring base; what it sends is overridden by the buffer
                h2.frontend.startPackedQueue(0, driver, FRESH_BASE, kick, null);
                secondRun = second.workDescribed(0, 20, IntStream.range(0, 20).boxed().toList());
            }
            List<String> expectedResubmitted = List.of(firstRun.get(0), firstRun.get(2), firstRun.get(3), firstRun.get(5));
            assertEquals(8, secondRun.size(), "4 resubmitted + 4 never taken: " + secondRun);
            assertEquals(expectedResubmitted, secondRun.subList(0, 4),
                    "in-flight chains first, oldest first, with the descriptors they had (not what the ring holds now)");

            Set<Integer> used = new HashSet<>();
            int count = 0;
            for (UsedElement u; (u = driver.pollUsed()) != null; count++) {
                assertTrue(used.add(u.id()), "buffer " + u.id() + " used twice");
            }
            assertEquals(10, count, "every chain used exactly once");
            List<String> all = new ArrayList<>(firstRun);
            all.addAll(secondRun.subList(4, 8));
            assertEquals(10, all.stream().map(s -> s.substring(0, s.indexOf(':'))).distinct().count());
        }
    }

    @Test
    void aScribbledInflightBufferBreaksOnlyThatRing() throws Exception {
        try (GuestRam ram = GuestRam.standard("vw-inflight-bad");
             EventFd kick = EventFd.create()) {
            DriverPackedQueue driver = new DriverPackedQueue(ram.memory(), SIZE, 0x1000, 0x2000, 0x3000);
            RecordingDevice device = new RecordingDevice(1);
            try (SessionHarness h = session(device, ram);
                 Frontend.Inflight kept = h.frontend.getInflightFd(1, SIZE);
                 InflightRegion view = InflightRegion.map(kept.fd(), kept.desc().mmapSize(), 0, 1, SIZE)) {
                MemorySegment r = view.packedQueueRegion(0);
                ValueLayout.OfShort u16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
                r.set(u16, 8, (short) 1); // version
                r.set(u16, 10, (short) SIZE); // desc_num
                r.set(u16, 12, (short) 0x7777); // free_head far outside the queue
                r.set(u16, 14, (short) 0x7777);
                h.frontend.setInflightFd(kept.desc(), kept.fd());
                h.frontend.startPackedQueue(0, driver, FRESH_BASE, kick, null);
                addChains(driver);
                assertTrue(device.workDescribed(0, 5, List.of()).isEmpty(), "nothing taken from a ring whose buffer is bad");
                assertTrue(device.queue(0).isBroken());
                assertTrue(device.queue(0).brokenReason().contains("inflight"), device.queue(0).brokenReason());
                assertEquals(0L, h.frontend.u64Request(io.virtwire.vhostuser.protocol.FrontendRequest.GET_STATUS),
                        "the session still answers");
            }
        }
    }
}
