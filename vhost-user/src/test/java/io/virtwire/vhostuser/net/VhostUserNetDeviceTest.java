package io.virtwire.vhostuser.net;

import io.virtwire.vhostuser.frontend.driver.DriverBuffer;
import io.virtwire.virtio.net.PacketBurst;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class VhostUserNetDeviceTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @ParameterizedTest(name = "packed={0} mergeable={1} eventIdx={2}")
    @CsvSource({"false,true,true", "false,true,false", "false,false,true", "true,true,true", "true,false,false"})
    void framesGoBothWaysThroughAnEchoingDevice(boolean packed, boolean mergeable, boolean eventIdx) throws Exception {
        try (NetTestHarness h = new NetTestHarness("vw-echo", packed, mergeable, eventIdx);
             NetPollWorker worker = new NetPollWorker(h.device, NetPollWorker.ECHO).start()) {
            int[] sizes = {60, 1514, 64, 777, 1500, 128, 1024, 9000 - 14};
            int bufferSize = mergeable ? 512 : 9100;
            int rounds = 3;
            for (int round = 0; round < rounds; round++) {
                // enough buffers for the largest frame merged over 512-byte buffers, or one each without merging
                h.guest.postReceiveBuffers(mergeable ? 24 : 1, bufferSize);
                for (int i = 0; i < sizes.length; i++) {
                    byte[] sent = GuestNet.frame(sizes[i], round * 100 + i);
                    h.guest.send(sent);
                    List<byte[]> got = h.receive(1, WAIT);
                    assertEquals(1, got.size(), "frame " + i + " of " + sizes[i] + " bytes came back");
                    assertArrayEquals(sent, got.get(0));
                    if (!mergeable) {
                        h.guest.postReceiveBuffers(1, bufferSize);
                    } else {
                        h.guest.postReceiveBuffers((sizes[i] + 12 + bufferSize - 1) / bufferSize, bufferSize);
                    }
                }
            }
            NetTestHarness.await(() -> h.guest.reapTransmitted() == 0 && h.device.fromGuestFrames() == (long) sizes.length * rounds,
                    WAIT, "every transmit completed");
            assertEquals((long) sizes.length * rounds, h.device.toGuestFrames());
            assertFalse(h.device.isBroken());
        }
    }

    @Test
    void portApiMovesFramesWithoutAWorker() throws Exception {
        try (NetTestHarness h = new NetTestHarness("vw-port", false, true, true)) {
            PacketBurst burst = new PacketBurst();
            for (int i = 0; i < 40; i++) {
                h.guest.send(GuestNet.frame(100 + i, i));
            }
            assertEquals(32, h.device.fromGuest(burst), "a burst holds 32");
            for (int i = 0; i < 32; i++) {
                assertArrayEquals(GuestNet.frame(100 + i, i), burst.frame(i));
            }
            burst.clear();
            assertEquals(8, h.device.fromGuest(burst));
            assertEquals(40, h.guest.reapTransmitted());

            // no receive buffers yet: frames are dropped, counted
            assertEquals(0, h.device.toGuest(burst));
            assertEquals(8, h.device.toGuestDropped());
            h.guest.postReceiveBuffers(8, 2048);
            assertEquals(8, h.device.toGuest(burst));
            List<byte[]> got = h.receive(8, WAIT);
            for (int i = 0; i < 8; i++) {
                assertArrayEquals(GuestNet.frame(132 + i, 32 + i), got.get(i));
            }
        }
    }

    @Test
    void mergeableFrameWaitsForEnoughBuffersWithoutLosingThem() throws Exception {
        try (NetTestHarness h = new NetTestHarness("vw-merge", false, true, false)) {
            PacketBurst burst = new PacketBurst();
            burst.add(GuestNet.frame(1500, 7));
            h.guest.postReceiveBuffers(2, 512); // 1024 < 1512
            assertEquals(0, h.device.toGuest(burst));
            assertTrue(h.guest.receive().isEmpty(), "nothing half-delivered");
            h.guest.postReceiveBuffers(2, 512);
            assertEquals(1, h.device.toGuest(burst));
            List<byte[]> got = h.guest.receive();
            assertEquals(1, got.size());
            assertArrayEquals(GuestNet.frame(1500, 7), got.get(0));
        }
    }

    @Test
    void hostileGuestBreaksOnlyItsOwnDevice() throws Exception {
        try (NetTestHarness good = new NetTestHarness("vw-good", false, true, true);
             NetTestHarness bad = new NetTestHarness("vw-bad", false, true, true);
             NetPollWorker goodWorker = new NetPollWorker(good.device, NetPollWorker.ECHO).start();
             NetPollWorker badWorker = new NetPollWorker(bad.device, NetPollWorker.ECHO).start()) {
            good.guest.postReceiveBuffers(20, 2048);
            bad.guest.postReceiveBuffers(20, 2048);
            // the bad guest's transmit chain loops onto itself
            var tx = new io.virtwire.vhostuser.frontend.driver.DriverSplitQueue(bad.ram.memory(), 256, 0x9000, 0xB000, 0xC000);
            int d = 5;
            tx.rawDescriptor(d, 0x1_0000_0000L, 64, io.virtwire.virtio.queue.RingLayout.F_NEXT, d);
            tx.rawPushHead(d);
            tx.publish();
            bad.guest.txKick.signal();
            NetTestHarness.await(bad.device::isBroken, WAIT, "the hostile device to break");
            assertNotNull(bad.device.brokenReason());
            for (int i = 0; i < 10; i++) {
                byte[] f = GuestNet.frame(200 + i, i);
                good.guest.send(f);
                List<byte[]> got = good.receive(1, WAIT);
                assertEquals(1, got.size());
                assertArrayEquals(f, got.get(0));
            }
            assertFalse(good.device.isBroken());
            // the broken device moves nothing, whatever its guest does
            bad.guest.send(GuestNet.frame(64, 1));
            Thread.sleep(50);
            assertTrue(bad.guest.receive().isEmpty());
        }
    }

    @Test
    void shrunkGuestMemoryBreaksTheDeviceInsteadOfTheProcess() throws Exception {
        try (NetTestHarness h = new NetTestHarness("vw-shrink", false, true, true)) {
            h.guest.send(GuestNet.frame(100, 1));
            // the front-end truncates the region holding the transmit data after we mapped it
            io.virtwire.linux.Memfd.truncate(h.ram.fd(2), 0);
            PacketBurst burst = new PacketBurst();
            assertEquals(0, h.device.fromGuest(burst));
            assertTrue(h.device.isBroken(), "a fault on guest memory latches the device broken");
            assertTrue(h.device.brokenReason().contains("fault"), h.device.brokenReason());
        }
    }

    @Test
    void oversizedAndHeaderOnlyFramesAreDroppedNotForwarded() throws Exception {
        try (NetTestHarness h = new NetTestHarness("vw-drop", false, true, true)) {
            var memory = h.ram.memory();
            // a chain with nothing after the 12-byte header
            h.guest.send(new byte[0]);
            PacketBurst burst = new PacketBurst();
            assertEquals(0, h.device.fromGuest(burst));
            assertEquals(1, h.device.fromGuestDropped());
            assertFalse(h.device.isBroken());
            assertEquals(1, h.guest.reapTransmitted(), "the dropped chain is still returned to the guest");
            assertNotNull(memory);
        }
    }

    @Test
    void twoQueuePairsBothCarryFrames() throws Exception {
        try (VhostUserNetDevice device = new VhostUserNetDevice("vw-mq", 2, 256);
             io.virtwire.vhostuser.frontend.GuestRam ram = io.virtwire.vhostuser.frontend.GuestRam.standard("vw-mq")) {
            io.virtwire.vhostuser.transport.Connection[] pair = io.virtwire.vhostuser.transport.Connection.pair();
            io.virtwire.vhostuser.backend.BackendSession session = new io.virtwire.vhostuser.backend.BackendSession(pair[1], device, "mq");
            Thread t = Thread.ofPlatform().start(session);
            try (io.virtwire.vhostuser.frontend.Frontend frontend = new io.virtwire.vhostuser.frontend.Frontend(pair[0])) {
                var negotiated = frontend.handshake(io.virtwire.vhostuser.backend.BackendSession.SUPPORTED_PROTOCOL_FEATURES);
                assertEquals(2L, negotiated.queueNum().orElseThrow(), "GET_QUEUE_NUM answers queue pairs");
                assertTrue((negotiated.backendFeatures() & io.virtwire.vhostuser.protocol.VirtioFeature.VIRTIO_NET_F_MQ.mask()) != 0);
                frontend.setFeatures(io.virtwire.vhostuser.protocol.VirtioFeature.VIRTIO_F_VERSION_1.mask()
                        | io.virtwire.vhostuser.protocol.VirtioFeature.VIRTIO_NET_F_MQ.mask()
                        | io.virtwire.vhostuser.protocol.VirtioFeature.VIRTIO_NET_F_MRG_RXBUF.mask()
                        | io.virtwire.vhostuser.protocol.VirtioFeature.VHOST_USER_F_PROTOCOL_FEATURES.mask());
                frontend.setMemTable(ram);
                try (GuestNet q0 = new GuestNet(frontend, ram, 0, 256, false, true, 0x1000);
                     GuestNet q1 = new GuestNet(frontend, ram, 1, 256, false, true, 0x20000);
                     NetPollWorker worker = new NetPollWorker(device, NetPollWorker.ECHO).start()) {
                    for (int i = 0; i < 4; i++) {
                        assertTrue(device.isStarted(i), "ring " + i);
                    }
                    q0.postReceiveBuffers(16, 2048);
                    q1.postReceiveBuffers(16, 2048);
                    java.util.Set<String> sent = new java.util.HashSet<>();
                    for (int i = 0; i < 10; i++) {
                        byte[] f = GuestNet.frame(100 + i, i);
                        (i % 2 == 0 ? q0 : q1).send(f);
                        sent.add(java.util.HexFormat.of().formatHex(f));
                    }
                    java.util.Set<String> got = new java.util.HashSet<>();
                    long deadline = System.nanoTime() + WAIT.toNanos();
                    while (got.size() < 10 && System.nanoTime() < deadline) {
                        for (byte[] f : q0.receive()) {
                            got.add(java.util.HexFormat.of().formatHex(f));
                        }
                        for (byte[] f : q1.receive()) {
                            got.add(java.util.HexFormat.of().formatHex(f));
                        }
                        Thread.sleep(1);
                    }
                    assertEquals(sent, got, "every frame sent on either pair came back");
                }
            }
            t.join(WAIT);
        }
    }

    @Test
    void queuePairCountersSplitFramesBytesAndDropsByRingAndReason() throws Exception {
        try (VhostUserNetDevice device = new VhostUserNetDevice("vw-mqc", 2, 256);
             io.virtwire.vhostuser.frontend.GuestRam ram = io.virtwire.vhostuser.frontend.GuestRam.standard("vw-mqc")) {
            io.virtwire.vhostuser.transport.Connection[] pair = io.virtwire.vhostuser.transport.Connection.pair();
            io.virtwire.vhostuser.backend.BackendSession session = new io.virtwire.vhostuser.backend.BackendSession(pair[1], device, "mqc");
            Thread t = Thread.ofPlatform().start(session);
            try (io.virtwire.vhostuser.frontend.Frontend frontend = new io.virtwire.vhostuser.frontend.Frontend(pair[0])) {
                frontend.handshake(io.virtwire.vhostuser.backend.BackendSession.SUPPORTED_PROTOCOL_FEATURES);
                // no MRG_RXBUF: one buffer per frame, so a frame larger than the buffer is dropped, not merged
                frontend.setFeatures(io.virtwire.vhostuser.protocol.VirtioFeature.VIRTIO_F_VERSION_1.mask()
                        | io.virtwire.vhostuser.protocol.VirtioFeature.VIRTIO_NET_F_MQ.mask()
                        | io.virtwire.vhostuser.protocol.VirtioFeature.VHOST_USER_F_PROTOCOL_FEATURES.mask());
                frontend.setMemTable(ram);
                try (GuestNet q0 = new GuestNet(frontend, ram, 0, 256, false, false, 0x1000);
                     GuestNet q1 = new GuestNet(frontend, ram, 1, 256, false, false, 0x20000)) {
                    q0.send(GuestNet.frame(100, 1));
                    q1.send(GuestNet.frame(200, 2));
                    q1.send(GuestNet.frame(300, 3));
                    q1.send(new byte[0]); // header only: refused
                    PacketBurst burst = new PacketBurst();
                    assertEquals(3, device.fromGuest(burst));

                    // bursts into the guest alternate between the pairs: the first goes to pair 0, which has no buffers
                    assertEquals(0, device.toGuest(burst));
                    // pair 1: 100 bytes (+12 header) fit the 256-byte buffer, 200 the 2048 one, 300 finds none left
                    q1.postReceiveBuffers(1, 256);
                    q1.postReceiveBuffers(1, 2048);
                    assertEquals(2, device.toGuest(burst));
                    assertEquals(new QueuePairCounters(0, 1, 100, 0, 0, 0, 3, 0, 0), device.queuePairCounters(0));
                    assertEquals(new QueuePairCounters(1, 2, 500, 1, 2, 300, 1, 0, 0), device.queuePairCounters(1));

                    // pair 0 again: a 1000-byte frame does not fit the one 128-byte buffer posted
                    q0.postReceiveBuffers(1, 128);
                    PacketBurst big = new PacketBurst();
                    big.add(GuestNet.frame(1000, 4));
                    assertEquals(0, device.toGuest(big));
                    assertEquals(1, device.queuePairCounters(0).toGuestTooBig());
                    assertEquals(3, device.queuePairCounters(0).toGuestNoBuffers(), "unchanged");
                    assertEquals(2, q1.receive().size());
                    assertEquals(device.fromGuestFrames(), device.queuePairCounters(0).fromGuestFrames()
                            + device.queuePairCounters(1).fromGuestFrames(), "the pairs add up to the device's total");
                }
            }
            t.join(WAIT);
        }
    }

    @Test
    void withLogAllEveryPageTheDeviceWritesIsLogged() throws Exception {
        try (NetTestHarness h = new NetTestHarness("vw-log", false, true, true);
             io.virtwire.linux.Fd logFd = io.virtwire.linux.Memfd.create("vw-dirty", 0x21000)) {
            long features = io.virtwire.vhostuser.protocol.VirtioFeature.VIRTIO_F_VERSION_1.mask()
                    | io.virtwire.vhostuser.protocol.VirtioFeature.VHOST_USER_F_PROTOCOL_FEATURES.mask()
                    | io.virtwire.vhostuser.protocol.VirtioFeature.VIRTIO_NET_F_MRG_RXBUF.mask()
                    | io.virtwire.vhostuser.protocol.VirtioFeature.VIRTIO_F_RING_EVENT_IDX.mask();
            // what QEMU does when migration starts: log base, then LOG_ALL
            h.frontend.setLogBase(logFd, 0x21000, 0);
            h.frontend.setFeatures(features | io.virtwire.vhostuser.protocol.VirtioFeature.VHOST_F_LOG_ALL.mask());
            assertTrue(h.device.isStarted(0) && h.device.isStarted(1), "rings restarted after the feature change");
            h.guest.postReceiveBuffers(4, 2048);
            PacketBurst burst = new PacketBurst();
            burst.add(GuestNet.frame(1400, 9));
            assertEquals(1, h.device.toGuest(burst));
            assertEquals(1, h.guest.receive().size());
            try (io.virtwire.vhostuser.memory.DirtyLog log = io.virtwire.vhostuser.memory.DirtyLog.map(logFd, 0x21000, 0)) {
                // pair 0's first receive buffer straddles 1 MiB: both pages it touched are dirty
                assertTrue(log.isDirty(0x10_0000 - 0x300), "receive buffer page below 1 MiB");
                assertTrue(log.isDirty(0x10_0000), "receive buffer page above 1 MiB");
                assertTrue(log.isDirty(0x1000 + 0x3000), "RX used ring");
                assertFalse(log.isDirty(0x1_0000_0000L + 0x8_0000), "a page nobody wrote");
                assertFalse(log.isDirty(0x1000), "the descriptor table is only read");
            }
        }
    }

    @Test
    void memoryTableChangesUnderTrafficPauseAndResumeTheWorker() throws Exception {
        try (NetTestHarness h = new NetTestHarness("vw-pause", false, true, true);
             NetPollWorker worker = new NetPollWorker(h.device, NetPollWorker.ECHO).start()) {
            long mapsBefore = io.virtwire.linux.ProcSelf.mappingsOf("vw-pause");
            h.guest.postReceiveBuffers(8, 2048);
            for (int i = 0; i < 60; i++) {
                byte[] f = GuestNet.frame(64 + i * 20, i);
                h.guest.send(f);
                if (i % 3 == 0) {
                    h.frontend.setMemTable(h.ram); // pauses every ring while the worker may be mid-burst
                }
                List<byte[]> got = h.receive(1, WAIT);
                assertEquals(1, got.size(), "frame " + i);
                assertArrayEquals(f, got.get(0));
                h.guest.postReceiveBuffers(1, 2048);
            }
            assertFalse(h.device.isBroken(), h.device.brokenReason());
            assertEquals(mapsBefore, io.virtwire.linux.ProcSelf.mappingsOf("vw-pause"), "old tables unmapped");
        }
    }
}
