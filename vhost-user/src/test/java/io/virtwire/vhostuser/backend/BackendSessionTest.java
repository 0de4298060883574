package io.virtwire.vhostuser.backend;

import io.virtwire.linux.EventFd;
import io.virtwire.linux.Fd;
import io.virtwire.linux.Memfd;
import io.virtwire.linux.ProcSelf;
import io.virtwire.vhostuser.frontend.BackendRefusedException;
import io.virtwire.vhostuser.frontend.Frontend;
import io.virtwire.vhostuser.frontend.FrontendMisbehaviour;
import io.virtwire.vhostuser.frontend.GuestRam;
import io.virtwire.vhostuser.frontend.driver.DriverBuffer;
import io.virtwire.vhostuser.frontend.driver.DriverPackedQueue;
import io.virtwire.vhostuser.frontend.driver.DriverSplitQueue;
import io.virtwire.vhostuser.frontend.driver.UsedElement;
import io.virtwire.vhostuser.protocol.FrontendRequest;
import io.virtwire.vhostuser.protocol.LogBase;
import io.virtwire.vhostuser.protocol.MemoryTable;
import io.virtwire.vhostuser.protocol.MessageHeader;
import io.virtwire.vhostuser.protocol.ProtocolFeature;
import io.virtwire.vhostuser.protocol.VirtioFeature;
import io.virtwire.vhostuser.protocol.VringState;
import io.virtwire.vhostuser.transport.PeerDisconnectedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class BackendSessionTest {

    private static final long ALL_PROTOCOL = BackendSession.SUPPORTED_PROTOCOL_FEATURES;
    private static final long FEATURES = VirtioFeature.VIRTIO_F_VERSION_1.mask()
            | VirtioFeature.VHOST_USER_F_PROTOCOL_FEATURES.mask();

    @Test
    void handshakeNegotiatesWhatBothSidesSupport() throws Exception {
        RecordingDevice device = new RecordingDevice(4);
        try (SessionHarness h = new SessionHarness(device)) {
            Frontend.Negotiated n = h.frontend.handshake(ALL_PROTOCOL);
            assertEquals(RecordingDevice.FEATURES | VirtioFeature.VHOST_USER_F_PROTOCOL_FEATURES.mask(), n.backendFeatures());
            assertEquals(ALL_PROTOCOL, n.backendProtocolFeatures());
            assertEquals(4L, n.queueNum().orElseThrow());
            assertEquals((long) BackendSession.MAX_MEM_SLOTS, n.maxMemSlots().orElseThrow());
            h.frontend.setFeatures(FEATURES);
            assertEquals(FEATURES, device.ackedFeatures);
            assertEquals(ALL_PROTOCOL, h.session.ackedProtocolFeatures());
            assertTrue(h.session.isOwned());
        }
    }

    @Test
    void replyAckReportsFailureAndTheSessionGoesOn() throws Exception {
        try (SessionHarness h = new SessionHarness(new RecordingDevice(2))) {
            h.frontend.handshake(ALL_PROTOCOL);
            h.frontend.setFeatures(FEATURES);
            h.frontend.setVringNum(0, 256); // acked 0
            BackendRefusedException tooBig = assertThrows(BackendRefusedException.class, () -> h.frontend.setVringNum(0, 4096));
            assertEquals(FrontendRequest.SET_VRING_NUM, tooBig.request());
            assertThrows(BackendRefusedException.class, () -> h.frontend.setVringNum(1, 100)); // split needs a power of two
            // features the back-end never offered
            assertThrows(BackendRefusedException.class, () -> h.frontend.setFeatures(FEATURES | VirtioFeature.VIRTIO_NET_F_MQ.mask()));
            assertEquals(RecordingDevice.FEATURES | VirtioFeature.VHOST_USER_F_PROTOCOL_FEATURES.mask(), h.frontend.getFeatures());
            assertNull(h.session.endReason());
        }
    }

    @Test
    void withoutReplyAckNoAckIsSentAndAFailureClosesTheConnection() throws Exception {
        try (SessionHarness h = new SessionHarness(new RecordingDevice(1))) {
            h.frontend.handshake(ProtocolFeature.MQ.mask());
            assertFalse(h.frontend.hasProtocol(ProtocolFeature.REPLY_ACK));
            h.frontend.setFeatures(FEATURES); // no ack expected, and none comes: the next reply is GET_FEATURES'
            assertEquals(RecordingDevice.FEATURES | VirtioFeature.VHOST_USER_F_PROTOCOL_FEATURES.mask(), h.frontend.getFeatures());
            h.frontend.send(new VringState(FrontendRequest.SET_VRING_NUM, 0, 3), true);
            String reason = h.awaitEnd(Duration.ofSeconds(10));
            assertTrue(reason.contains("SET_VRING_NUM") && reason.contains("power of two"), reason);
        }
    }

    @Test
    void requestsNeedTheirProtocolFeature() throws Exception {
        try (SessionHarness h = new SessionHarness(new RecordingDevice(1))) {
            h.frontend.handshake(ProtocolFeature.REPLY_ACK.mask()); // no MQ, no NET_MTU
            BackendRefusedException mtu = assertThrows(BackendRefusedException.class, () -> h.frontend.netSetMtu(1500));
            assertEquals(FrontendRequest.NET_SET_MTU, mtu.request());
            // GET_QUEUE_NUM has its own reply, which cannot carry an error: the connection is closed
            assertThrows(PeerDisconnectedException.class, () -> h.frontend.u64Request(FrontendRequest.GET_QUEUE_NUM));
            String reason = h.awaitEnd(Duration.ofSeconds(10));
            assertTrue(reason.contains("GET_QUEUE_NUM: requires protocol feature MQ"), reason);
        }
    }

    @Test
    void mtuAndConfigReachTheDevice() throws Exception {
        RecordingDevice device = new RecordingDevice(1);
        try (SessionHarness h = new SessionHarness(device)) {
            h.frontend.handshake(ALL_PROTOCOL);
            h.frontend.netSetMtu(1500);
            assertEquals(1500, device.mtu);
            assertThrows(BackendRefusedException.class, () -> h.frontend.netSetMtu(9100));
            byte[] mtu = h.frontend.getConfig(10, 2).orElseThrow();
            assertEquals(1500, ByteBuffer.wrap(mtu).order(ByteOrder.LITTLE_ENDIAN).getShort());
            assertTrue(h.frontend.getConfig(10, 200).isEmpty());
        }
    }

    @Test
    void wrongFdCountsAreRefusedAndTheFdsClosed() throws Exception {
        try (SessionHarness h = new SessionHarness(new RecordingDevice(1));
             GuestRam ram = GuestRam.standard("vw-fdcount");
             EventFd extra = EventFd.create()) {
            h.frontend.handshake(ALL_PROTOCOL);
            long before = ProcSelf.nativeFds();
            // three regions, two fds
            assertThrows(BackendRefusedException.class,
                    () -> h.frontend.request(new MemoryTable(ram.regions()), ram.fd(0), ram.fd(1)));
            // SET_OWNER carries no fd
            assertThrows(BackendRefusedException.class,
                    () -> h.frontend.request(new io.virtwire.vhostuser.protocol.Empty(FrontendRequest.SET_OWNER), extra.fd()));
            // a kick with the NOFD flag and an fd anyway
            assertThrows(BackendRefusedException.class,
                    () -> h.frontend.request(new io.virtwire.vhostuser.protocol.VringFile(FrontendRequest.SET_VRING_KICK, 0, true), extra.fd()));
            assertEquals(before, ProcSelf.nativeFds(), "the back-end closed every fd it refused");
            assertEquals(0, h.session.memory().regionCount());
            h.frontend.setMemTable(ram);
            assertEquals(3, h.session.memory().regionCount());
        }
    }

    @Test
    void unknownRequestCodeEndsTheSessionNamingIt() throws Exception {
        try (SessionHarness h = new SessionHarness(new RecordingDevice(1))) {
            h.frontend.handshake(ALL_PROTOCOL);
            new FrontendMisbehaviour(h.frontend, h.rawFrontendSocket).sendUnknownRequest(99, true);
            String reason = h.awaitEnd(Duration.ofSeconds(10));
            assertTrue(reason.contains("unknown request code 99"), reason);
        }
    }

    @Test
    void payloadSizeNotMatchingTheRequestIsRefused() throws Exception {
        try (SessionHarness h = new SessionHarness(new RecordingDevice(1))) {
            h.frontend.handshake(ALL_PROTOCOL);
            new FrontendMisbehaviour(h.frontend, h.rawFrontendSocket)
                    .sendTruncated(new VringState(FrontendRequest.SET_VRING_NUM, 0, 64), 4, true);
            assertThrows(BackendRefusedException.class, () -> h.frontend.awaitAck(FrontendRequest.SET_VRING_NUM));
            assertNull(h.session.endReason());
        }
    }

    @Test
    void headerClaimingMorePayloadThanSentDesynchronisesAndEndsOnlyThisSession() throws Exception {
        try (SessionHarness h = new SessionHarness(new RecordingDevice(1))) {
            h.frontend.handshake(ALL_PROTOCOL);
            new FrontendMisbehaviour(h.frontend, h.rawFrontendSocket)
                    .sendHeaderClaiming(FrontendRequest.SET_VRING_NUM, 200, new byte[8]); // says 200, sends 8
            h.rawFrontendSocket.shutdownOutput();
            String reason = h.awaitEnd(Duration.ofSeconds(10));
            assertTrue(reason.contains("middle of a message"), reason);
        }
    }

    @Test
    void getVringBaseStopsTheRingAndReturnsTheNextAvailIndex() throws Exception {
        RecordingDevice device = new RecordingDevice(2);
        try (SessionHarness h = new SessionHarness(device);
             GuestRam ram = GuestRam.standard("vw-base");
             EventFd kick = EventFd.create();
             EventFd call = EventFd.create()) {
            DriverSplitQueue driver = startRingWithChains(h, ram, 65534, kick, call, 3);
            assertTrue(device.isStarted(0));
            assertEquals(3, device.work(0, 10, 3).size());
            assertEquals(1, call.drain() >= 0 ? 1 : 0);
            assertEquals(1L, h.frontend.getVringBase(0), "65534 + 3 wraps to 1");
            assertFalse(device.isStarted(0), "GET_VRING_BASE stops the ring");
            // restarting needs a new kick
            h.frontend.setVringBase(0, 1);
            assertFalse(device.isStarted(0));
            h.frontend.setVringKick(0, kick);
            assertTrue(device.isStarted(0));
            for (UsedElement u; (u = driver.pollUsed()) != null; ) {
                assertTrue(u.id() < 256);
            }
        }
    }

    @Test
    void getVringBaseWithANonZeroReservedNumStopsTheRingAndKeepsTheSession() throws Exception {
        // DPDK's virtio-user, quitting, sends GET_VRING_BASE with num 16416 (docs/benchmarks.md); QEMU's spec
        // reserves the field and DPDK's vhost library ignores it: the ring must stop, the session must go on
        RecordingDevice device = new RecordingDevice(2);
        try (SessionHarness h = new SessionHarness(device);
             GuestRam ram = GuestRam.standard("vw-base16416");
             EventFd kick = EventFd.create();
             EventFd call = EventFd.create()) {
            startRingWithChains(h, ram, 0, kick, call, 5);
            assertEquals(5, device.work(0, 10, 5).size());
            assertEquals(5L, h.frontend.getVringBase(0, 16416), "the position, whatever num said");
            assertFalse(device.isStarted(0), "the ring stopped");
            assertNull(h.session.endReason(), "the session is still open");
            assertEquals(0L, h.frontend.getVringBase(1, 0xFFFF_FFFFL), "any u32 is accepted for a ring never started");
            h.frontend.setVringBase(0, 5);
            h.frontend.setVringKick(0, kick);
            assertTrue(device.isStarted(0), "and the ring starts again on the same session");
        }
    }

    /** Handshake, features, memory; ring 0 started at index {@code first} with {@code chains} 64-byte chains published. */
    private static DriverSplitQueue startRingWithChains(SessionHarness h, GuestRam ram, int first, EventFd kick,
                                                        EventFd call, int chains) throws Exception {
        h.frontend.handshake(ALL_PROTOCOL);
        h.frontend.setFeatures(FEATURES);
        h.frontend.setMemTable(ram);
        DriverSplitQueue driver = new DriverSplitQueue(ram.memory(), 256, 0x1000, 0x2000, 0x3000);
        driver.startIndicesAt(first);
        h.frontend.startSplitQueue(0, driver, first, kick, call);
        for (int i = 0; i < chains; i++) {
            driver.addChain(DriverBuffer.readable(0x1_0000 + i * 0x100, 64));
        }
        driver.publish();
        return driver;
    }

    @Test
    void withProtocolFeaturesRingsWaitForEnable() throws Exception {
        RecordingDevice device = new RecordingDevice(2);
        try (SessionHarness h = new SessionHarness(device);
             GuestRam ram = GuestRam.standard("vw-enable");
             EventFd kick = EventFd.create()) {
            h.frontend.handshake(ALL_PROTOCOL);
            h.frontend.setFeatures(FEATURES);
            h.frontend.setMemTable(ram);
            DriverSplitQueue driver = new DriverSplitQueue(ram.memory(), 64, 0x1000, 0x2000, 0x3000);
            h.frontend.setVringNum(0, 64);
            h.frontend.setVringAddr(0, driver.descGpa(), driver.usedGpa(), driver.availGpa());
            h.frontend.setVringKick(0, kick);
            assertFalse(device.isStarted(0), "disabled until SET_VRING_ENABLE");
            h.frontend.setVringEnable(0, true);
            assertTrue(device.isStarted(0));
            h.frontend.setVringEnable(0, false);
            assertFalse(device.isStarted(0));
        }
    }

    @Test
    void withoutProtocolFeaturesSetFeaturesEnablesEveryRing() throws Exception {
        RecordingDevice device = new RecordingDevice(1);
        try (SessionHarness h = new SessionHarness(device);
             GuestRam ram = GuestRam.standard("vw-legacy");
             EventFd kick = EventFd.create()) {
            h.frontend.handshake(ALL_PROTOCOL);
            h.frontend.setFeatures(VirtioFeature.VIRTIO_F_VERSION_1.mask());
            h.frontend.setMemTable(ram);
            DriverSplitQueue driver = new DriverSplitQueue(ram.memory(), 64, 0x1000, 0x2000, 0x3000);
            h.frontend.startSplitQueue(0, driver, 0, kick, null);
            assertTrue(device.isStarted(0), "started without SET_VRING_ENABLE");
        }
    }

    @Test
    void ringAddressesAreUserAddressesAndAnUnmappedOneIsRefused() throws Exception {
        RecordingDevice device = new RecordingDevice(1);
        try (SessionHarness h = new SessionHarness(device);
             GuestRam ram = GuestRam.standard("vw-addr");
             EventFd kick = EventFd.create()) {
            h.frontend.handshake(ALL_PROTOCOL);
            h.frontend.setFeatures(FEATURES);
            h.frontend.setMemTable(ram);
            h.frontend.setVringNum(0, 64);
            // GPAs where user addresses belong: in no region of the front-end's address space
            h.frontend.request(new io.virtwire.vhostuser.protocol.VringAddr(0, 0, 0x1000, 0x3000, 0x2000, 0));
            h.frontend.setVringKick(0, kick);
            BackendRefusedException e = assertThrows(BackendRefusedException.class, () -> h.frontend.setVringEnable(0, true));
            assertEquals(FrontendRequest.SET_VRING_ENABLE, e.request());
            assertFalse(device.isStarted(0));
            h.frontend.setVringAddr(0, 0x1000, 0x3000, 0x2000);
            assertTrue(device.isStarted(0));
        }
    }

    @Test
    void packedRingBaseCarriesBothHalves() throws Exception {
        RecordingDevice device = new RecordingDevice(1);
        try (SessionHarness h = new SessionHarness(device);
             GuestRam ram = GuestRam.standard("vw-packed");
             EventFd kick = EventFd.create()) {
            h.frontend.handshake(ALL_PROTOCOL);
            h.frontend.setFeatures(FEATURES | VirtioFeature.VIRTIO_F_RING_PACKED.mask());
            h.frontend.setMemTable(ram);
            DriverPackedQueue driver = new DriverPackedQueue(ram.memory(), 8, 0x1000, 0x2000, 0x3000);
            // DPDK's virtio-user sends only the avail half (slot 0, wrap counter 1); the used side starts there too
            h.frontend.startPackedQueue(0, driver, 0x8000, kick, null);
            for (int i = 0; i < 5; i++) {
                driver.addChain(DriverBuffer.readable(0x1_0000 + i * 0x100, 64));
            }
            assertEquals(5, device.work(0, 5, 5).size());
            Set<Integer> ids = new HashSet<>();
            for (UsedElement u; (u = driver.pollUsed()) != null; ) {
                ids.add(u.id());
            }
            assertEquals(5, ids.size());
            long base = h.frontend.getVringBase(0);
            assertEquals(5 | 0x8000, base & 0xFFFF, "avail: slot 5, wrap counter still 1");
            assertEquals(5 | 0x8000, base >>> 16, "used: slot 5, wrap counter still 1");
        }
    }

    @Test
    void repeatedMemTableLogBaseAndInflightLeakNothing() throws Exception {
        RecordingDevice device = new RecordingDevice(2);
        try (GuestRam ram = GuestRam.standard("vw-repeat");
             EventFd kick = EventFd.create()) {
            long fdsBefore = ProcSelf.nativeFds();
            long mapsBefore = ProcSelf.mappingsOf("vw-repeat");
            try (SessionHarness h = new SessionHarness(device)) {
                h.frontend.handshake(ALL_PROTOCOL);
                h.frontend.setFeatures(FEATURES);
                DriverSplitQueue driver = new DriverSplitQueue(ram.memory(), 64, 0x1000, 0x2000, 0x3000);
                h.frontend.setMemTable(ram);
                h.frontend.startSplitQueue(0, driver, 0, kick, null);
                assertTrue(device.isStarted(0));
                long fdsOnce = ProcSelf.nativeFds();
                long mapsOnce = ProcSelf.mappingsOf("vw-repeat");
                long inflightMapsOnce = -1;
                try (Fd log = Memfd.create("vw-log", 0x1000)) {
                    for (int i = 0; i < 30; i++) {
                        new FrontendMisbehaviour(h.frontend, h.rawFrontendSocket).repeatMemTable(ram, 1);
                        h.frontend.send(new LogBase(0x1000, 0), false, log);
                        try (var reply = h.frontend.receiveReply()) {
                            assertEquals(FrontendRequest.SET_LOG_BASE.code(), reply.request());
                        }
                        try (Frontend.Inflight inflight = h.frontend.getInflightFd(2, 64)) {
                            h.frontend.setInflightFd(inflight.desc(), inflight.fd());
                        }
                        if (i == 0) {
                            inflightMapsOnce = ProcSelf.mappingsOf("virtwire-inflight") + ProcSelf.mappingsOf("vw-log");
                        }
                    }
                }
                assertTrue(device.isStarted(0), "the ring restarts after every pause");
                assertEquals(mapsOnce, ProcSelf.mappingsOf("vw-repeat"), "guest RAM mapped once, however often it is sent");
                assertEquals(inflightMapsOnce, ProcSelf.mappingsOf("virtwire-inflight") + ProcSelf.mappingsOf("vw-log"));
                assertTrue(ProcSelf.nativeFds() <= fdsOnce + 2, "no fd piles up: " + ProcSelf.nativeFds() + " vs " + fdsOnce);
            }
            assertEquals(mapsBefore, ProcSelf.mappingsOf("vw-repeat"), "disconnect unmaps guest RAM");
            assertEquals(0, ProcSelf.mappingsOf("virtwire-inflight"));
            assertEquals(0, ProcSelf.mappingsOf("vw-log"));
            assertEquals(fdsBefore, ProcSelf.nativeFds(), "disconnect closes every fd");
            List<String> events = device.events();
            assertEquals("closed", events.get(events.size() - 1));
            assertTrue(events.contains("stopped 0"));
        }
    }

    @Test
    void disconnectStopsStartedRingsBeforeClosing() throws Exception {
        RecordingDevice device = new RecordingDevice(2);
        try (GuestRam ram = GuestRam.standard("vw-disc");
             EventFd kick = EventFd.create()) {
            SessionHarness h = new SessionHarness(device);
            h.frontend.handshake(ALL_PROTOCOL);
            h.frontend.setFeatures(FEATURES);
            h.frontend.setMemTable(ram);
            h.frontend.startSplitQueue(1, new DriverSplitQueue(ram.memory(), 64, 0x1000, 0x2000, 0x3000), 0, kick, kick);
            assertTrue(device.isStarted(1));
            h.frontend.close();
            String reason = h.awaitEnd(Duration.ofSeconds(10));
            assertTrue(reason.contains("disconnected"), reason);
            assertFalse(device.isStarted(1));
            List<String> events = device.events();
            assertTrue(events.indexOf("stopped 1") < events.indexOf("closed"), events.toString());
        }
    }

    @Test
    void inflightBufferLetsARestartedBackendResumeWithoutLossOrDuplicates() throws Exception {
        try (GuestRam ram = GuestRam.standard("vw-inflight");
             EventFd kick = EventFd.create()) {
            DriverSplitQueue driver = new DriverSplitQueue(ram.memory(), 16, 0x1000, 0x2000, 0x3000);
            Frontend.Inflight kept;
            List<Integer> firstRun;
            RecordingDevice first = new RecordingDevice(1);
            SessionHarness h1 = new SessionHarness(first);
            h1.frontend.handshake(ALL_PROTOCOL);
            h1.frontend.setFeatures(FEATURES);
            h1.frontend.setMemTable(ram);
            kept = h1.frontend.getInflightFd(1, 16);
            h1.frontend.startSplitQueue(0, driver, 0, kick, null);
            for (int i = 0; i < 10; i++) {
                driver.addChain(DriverBuffer.readable(0x1_0000 + i * 0x100, 64));
            }
            driver.publish();
            firstRun = first.work(0, 6, 2); // takes 6, uses 2, 4 stay in flight
            assertEquals(6, firstRun.size());
            // the back-end goes away mid-burst; QEMU cannot ask it for the ring base
            h1.frontend.close();
            h1.awaitEnd(Duration.ofSeconds(10));

            RecordingDevice second = new RecordingDevice(1);
            try (SessionHarness h2 = new SessionHarness(second); kept) {
                h2.frontend.handshake(ALL_PROTOCOL);
                h2.frontend.setFeatures(FEATURES);
                h2.frontend.setMemTable(ram);
                h2.frontend.setInflightFd(kept.desc(), kept.fd());
                // QEMU restores last_avail_idx from used.idx when GET_VRING_BASE was impossible
                h2.frontend.startSplitQueue(0, driver, driver.usedIdx(), kick, null);
                List<Integer> secondRun = second.work(0, 20, 20);
                assertEquals(firstRun.subList(2, 6), secondRun.subList(0, 4), "in-flight chains first, oldest first");
                assertEquals(8, secondRun.size(), "4 resubmitted + 4 never taken");
            }
            Set<Integer> used = new HashSet<>();
            int count = 0;
            for (UsedElement u; (u = driver.pollUsed()) != null; count++) {
                assertTrue(used.add(u.id()), "head " + u.id() + " used twice");
            }
            assertEquals(10, count, "every chain used exactly once");
        }
    }

    @Test
    void everyRequestIsAnsweredOrAckedInOrder() throws IOException, Exception {
        // GET_STATUS / SET_STATUS round trip, and RESET_DEVICE drops ring state
        RecordingDevice device = new RecordingDevice(1);
        try (SessionHarness h = new SessionHarness(device)) {
            h.frontend.handshake(ALL_PROTOCOL);
            h.frontend.request(new io.virtwire.vhostuser.protocol.DeviceStatus(15));
            assertEquals(15L, h.frontend.u64Request(FrontendRequest.GET_STATUS));
            h.frontend.request(new io.virtwire.vhostuser.protocol.Empty(FrontendRequest.RESET_DEVICE));
            assertEquals(0L, h.frontend.u64Request(FrontendRequest.GET_STATUS));
        }
    }

    @Test
    void memorySlotsAddAndRemoveRegionsOneByOne() throws Exception {
        RecordingDevice device = new RecordingDevice(1);
        try (GuestRam ram = GuestRam.standard("vw-slots");
             EventFd kick = EventFd.create()) {
            long mapsBefore = ProcSelf.mappingsOf("vw-slots");
            try (SessionHarness h = new SessionHarness(device)) {
                h.frontend.handshake(ALL_PROTOCOL);
                h.frontend.setFeatures(FEATURES);
                for (int i = 0; i < ram.regionCount(); i++) {
                    h.frontend.request(new io.virtwire.vhostuser.protocol.SingleMemoryRegion(FrontendRequest.ADD_MEM_REG,
                            ram.region(i)), ram.fd(i));
                }
                assertEquals(3, h.session.memory().regionCount());
                DriverSplitQueue driver = new DriverSplitQueue(ram.memory(), 64, 0x1000, 0x2000, 0x3000);
                h.frontend.startSplitQueue(0, driver, 0, kick, null);
                assertTrue(device.isStarted(0));
                // the HIGH region goes; the ring (in LOW) keeps working
                h.frontend.request(new io.virtwire.vhostuser.protocol.SingleMemoryRegion(FrontendRequest.REM_MEM_REG, ram.region(2)));
                assertEquals(2, h.session.memory().regionCount());
                assertTrue(device.isStarted(0));
                // removing a region that is not there is refused
                assertThrows(BackendRefusedException.class, () -> h.frontend.request(
                        new io.virtwire.vhostuser.protocol.SingleMemoryRegion(FrontendRequest.REM_MEM_REG, ram.region(2))));
                // removing the ring's region stops the ring (and reports why)
                assertThrows(BackendRefusedException.class, () -> h.frontend.request(
                        new io.virtwire.vhostuser.protocol.SingleMemoryRegion(FrontendRequest.REM_MEM_REG, ram.region(0))));
                assertFalse(device.isStarted(0));
                assertEquals(mapsBefore + 1, ProcSelf.mappingsOf("vw-slots"), "only NEXT is still mapped by the back-end");
            }
            assertEquals(mapsBefore, ProcSelf.mappingsOf("vw-slots"));
        }
    }
}
