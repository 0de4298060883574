package io.virtwire.vhostuser.backend;

import io.virtwire.linux.EventFd;
import io.virtwire.vhostuser.frontend.GuestRam;
import io.virtwire.vhostuser.frontend.driver.DriverBuffer;
import io.virtwire.vhostuser.frontend.driver.DriverSplitQueue;
import io.virtwire.vhostuser.protocol.IotlbMsg;
import io.virtwire.vhostuser.protocol.VirtioFeature;
import io.virtwire.vhostuser.protocol.VringAddr;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A front-end that reconnects to a restarted back-end without inflight tracking cannot know where the dead one
 * stopped (DPDK's virtio-user in server mode sends SET_VRING_BASE 0); the used ring in guest memory knows, and a
 * split ring resumes there. Both memory models go through the one {@link QueueAssembler}: before it, only rings on
 * plain guest memory got this repair, and a ring under VIRTIO_F_ACCESS_PLATFORM took every chain again.
 */
@Timeout(60)
class RingResumeTest {

    private static final long FEATURES = VirtioFeature.VIRTIO_F_VERSION_1.mask()
            | VirtioFeature.VHOST_USER_F_PROTOCOL_FEATURES.mask();
    private static final int SIZE = 64;
    private static final long DESC = 0x1000;
    private static final long AVAIL = 0x2000;
    private static final long USED = 0x3000;
    /** Region 0 of {@link GuestRam#standard}: the rings and the buffers are in it. */
    private static final long LOW_RAM = 0x10_0000;

    enum Model {
        /** SET_VRING_ADDR carries the front-end's virtual addresses. */
        PLAIN,
        /** SET_VRING_ADDR carries IOVAs; here the vIOMMU maps IOVA = GPA over the low region. */
        TRANSLATED
    }

    @ParameterizedTest
    @EnumSource(Model.class)
    void aSplitRingResumesAtUsedIdxWhenTheFrontendSendsBaseZero(Model model) throws Exception {
        try (GuestRam ram = GuestRam.standard("vw-h1-resume-" + model.name().toLowerCase());
             EventFd kick = EventFd.create()) {
            DriverSplitQueue driver = new DriverSplitQueue(ram.memory(), SIZE, DESC, AVAIL, USED);
            for (int i = 0; i < 5; i++) {
                driver.addChain(DriverBuffer.readable(0x1_0000 + i * 0x100, 64));
            }
            driver.publish();

            RecordingDevice first = device(model);
            SessionHarness h1 = session(first, ram, model);
            startRing(h1, first, model, kick);
            assertEquals(List.of(0, 1, 2), first.work(0, 3, 3), "the first back-end uses 3 of the 5 chains");
            assertEquals(3, driver.usedIdx());
            h1.frontend.close(); // it dies; nobody asks it for the ring base
            h1.awaitEnd(Duration.ofSeconds(10));

            RecordingDevice second = device(model);
            try (SessionHarness h2 = session(second, ram, model)) {
                startRing(h2, second, model, kick); // base 0, as DPDK's virtio-user sends after a reconnect
                assertEquals(List.of(3, 4), second.work(0, 10, 10),
                        "the restarted back-end resumes at used.idx 3: chains 0-2 are not taken twice");
                assertEquals(5L, h2.frontend.getVringBase(0));
            }
        }
    }

    private static RecordingDevice device(Model model) {
        long extra = model == Model.TRANSLATED ? VirtioFeature.VIRTIO_F_ACCESS_PLATFORM.mask() : 0;
        return new RecordingDevice(1, BackendSession.SUPPORTED_PROTOCOL_FEATURES, extra);
    }

    private static SessionHarness session(RecordingDevice device, GuestRam ram, Model model) throws Exception {
        SessionHarness h = new SessionHarness(device);
        h.frontend.handshake(BackendSession.SUPPORTED_PROTOCOL_FEATURES);
        h.frontend.setFeatures(FEATURES
                | (model == Model.TRANSLATED ? VirtioFeature.VIRTIO_F_ACCESS_PLATFORM.mask() : 0));
        h.frontend.setMemTable(ram);
        return h;
    }

    /** QEMU's vhost_virtqueue_start at base 0; a translated ring waits for its IOTLB entry, then starts. */
    private static void startRing(SessionHarness h, RecordingDevice device, Model model, EventFd kick) throws Exception {
        h.frontend.setVringNum(0, SIZE);
        h.frontend.setVringBase(0, 0);
        if (model == Model.PLAIN) {
            h.frontend.setVringAddr(0, DESC, USED, AVAIL);
        } else {
            h.frontend.request(new VringAddr(0, 0, DESC, USED, AVAIL, 0));
        }
        h.frontend.setVringKick(0, kick);
        h.frontend.setVringEnable(0, true);
        if (model == Model.TRANSLATED) {
            assertFalse(device.isStarted(0), "no IOTLB entry yet: the ring waits for its translation");
            assertEquals(0L, h.frontend.iotlbMsg(new IotlbMsg(0, LOW_RAM, GuestRam.userAddr(0),
                    IotlbMsg.Permission.READ_WRITE, IotlbMsg.Type.UPDATE)));
        }
        assertTrue(device.isStarted(0));
    }
}
