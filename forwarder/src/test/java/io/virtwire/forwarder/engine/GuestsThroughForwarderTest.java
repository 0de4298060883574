package io.virtwire.forwarder.engine;

import io.virtwire.forwarder.config.PortConfig;
import io.virtwire.forwarder.config.VlanConfig;
import io.virtwire.forwarder.switching.SwitchPort;
import io.virtwire.linux.Errno;
import io.virtwire.linux.ErrnoException;
import io.virtwire.linux.EventFd;
import io.virtwire.linux.UnixSocket;
import io.virtwire.vhostuser.backend.BackendSession;
import io.virtwire.vhostuser.frontend.Frontend;
import io.virtwire.vhostuser.frontend.FrontendMisbehaviour;
import io.virtwire.vhostuser.frontend.GuestRam;
import io.virtwire.vhostuser.frontend.driver.DriverSplitQueue;
import io.virtwire.vhostuser.net.TestGuest;
import io.virtwire.vhostuser.protocol.FrontendRequest;
import io.virtwire.vhostuser.protocol.VirtioFeature;
import io.virtwire.vhostuser.transport.Connection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.virtwire.vhostuser.net.TestGuest.frame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The forwarder in-process with QEMU-like front-ends as guests on its vhost-user server sockets. */
@Timeout(60)
class GuestsThroughForwarderTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    @RegisterExtension
    final OpenedInTest opened = new OpenedInTest();

    private Forwarder forwarder(Forwarder.Mode mode, int workers) throws Exception {
        return opened.keep(new Forwarder(mode, workers, List.of(), Duration.ofMinutes(5), new PortFactory(), -1));
    }

    private SwitchPort vhostPort(Forwarder f, String name, VlanConfig vlan) throws Exception {
        return f.addPort(new PortConfig(name, "vhost-user", dir.resolve(name + ".sock").toString(), "server",
                null, null, null, null, vlan));
    }

    private static final long MAC_1 = 0x52_54_00_00_00_01L;
    private static final long MAC_2 = 0x52_54_00_00_00_02L;
    private static final long MAC_3 = 0x52_54_00_00_00_03L;

    @Test
    void twoGuestsExchangeFramesThroughTheSwitchAndTheirAddressesAreLearned() throws Exception {
        Forwarder f = forwarder(Forwarder.Mode.SWITCH, 2);
        SwitchPort p1 = vhostPort(f, "vm1", null);
        SwitchPort p2 = vhostPort(f, "vm2", null);
        TestGuest g1 = opened.keep(TestGuest.connect(dir.resolve("vm1.sock"), "g1"));
        TestGuest g2 = opened.keep(TestGuest.connect(dir.resolve("vm2.sock"), "g2"));

        byte[] hello = frame(0xFFFF_FFFF_FFFFL, MAC_1, 1, 60);
        g1.send(hello);
        List<byte[]> at2 = g2.receive(1, WAIT);
        assertEquals(1, at2.size(), "the broadcast reached guest 2");
        assertArrayEquals(hello, at2.get(0));

        List<byte[]> sent = new ArrayList<>();
        List<byte[]> at1 = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            byte[] fr = frame(MAC_1, MAC_2, 100 + i, 64 + i * 30);
            sent.add(fr);
            g2.send(fr);
            if (i % 8 == 7) {
                assertEquals(8, waitReaped(g2, 8), "guest 2's transmissions completed");
                // guest 1 has 32 receive buffers: take frames as they come, as a driver would
                at1.addAll(g1.receive(8, WAIT));
            }
        }
        assertEquals(40, at1.size(), "every unicast frame reached guest 1");
        for (int i = 0; i < 40; i++) {
            assertArrayEquals(sent.get(i), at1.get(i), "frame " + i + " in order and intact");
        }
        byte[] reply = frame(MAC_2, MAC_1, 999, 1514);
        g1.send(reply);
        assertArrayEquals(reply, g2.receive(1, WAIT).get(0), "a full-size frame back");

        long now = System.nanoTime();
        assertEquals(p1.slot(), f.macs().lookup(1, MAC_1, now));
        assertEquals(p2.slot(), f.macs().lookup(1, MAC_2, now));
        assertEquals(2, p1.counters().rxPackets());
        Eventually.assertCount(40, () -> p1.counters().txPackets(), "frames counted on port 1");
        assertEquals(40, p2.counters().rxPackets());
        Eventually.assertCount(2, () -> p2.counters().txPackets(), "the broadcast and the reply");
    }

    private static int waitReaped(TestGuest g, int n) throws InterruptedException {
        int got = 0;
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (got < n && System.nanoTime() < deadline) {
            got += g.reapTransmitted();
            Thread.sleep(1);
        }
        return got;
    }

    @Test
    void aMultiqueueGuestSendsOnItsSecondPairAndReceivesOnBoth() throws Exception {
        Forwarder f = forwarder(Forwarder.Mode.SWITCH, 1);
        f.addPort(new PortConfig("mq", "vhost-user", dir.resolve("mq.sock").toString(), "server", 2, null, null,
                null, null));
        vhostPort(f, "single", null);
        TestGuest mq = opened.keep(TestGuest.connectTwoPairs(dir.resolve("mq.sock"), "mq"));
        TestGuest single = opened.keep(TestGuest.connect(dir.resolve("single.sock"), "single"));
        byte[] out = frame(0xFFFF_FFFF_FFFFL, MAC_1, 1, 70);
        mq.send(out); // pair 1's transmit ring
        assertArrayEquals(out, single.receive(1, WAIT).get(0), "the frame from the second pair was switched");
        List<byte[]> back = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            single.send(frame(MAC_1, MAC_2, 10 + i, 90));
            waitReaped(single, 1);
            back.addAll(mq.receive(1, WAIT));
        }
        assertEquals(6, back.size(), "frames into the multiqueue guest arrive (spread over its receive rings)");

        List<Map<String, Object>> queues = f.port("mq").port().queueCounters();
        assertEquals(2, queues.size());
        assertEquals(0L, queues.get(0).get("rxPackets"), "pair 0 sent nothing");
        assertEquals(1L, queues.get(1).get("rxPackets"), "the frame came from pair 1");
        assertEquals(70L, queues.get(1).get("rxBytes"));
        // one frame per burst, and bursts into the guest alternate between its receive rings
        for (Map<String, Object> q : queues) {
            assertEquals(3L, q.get("txPackets"), "queue " + q);
            assertEquals(270L, q.get("txBytes"), "queue " + q);
            assertEquals(Map.of("guestRefused", 0L, "noBuffers", 0L, "bufferTooSmall", 0L), q.get("drops"));
        }
        assertEquals(1, f.port("single").port().queueCounters().size());
    }

    @Test
    void theQueuePairsOfOneGuestArePolledByDifferentWorkers() throws Exception {
        Forwarder f = forwarder(Forwarder.Mode.SWITCH, 2);
        SwitchPort mqPort = f.addPort(new PortConfig("mq", "vhost-user", dir.resolve("mq.sock").toString(), "server", 2,
                null, null, null, null));
        String first = f.workerOf(mqPort, 0);
        String second = f.workerOf(mqPort, 1);
        assertNotNull(first);
        assertNotNull(second);
        assertTrue(!first.equals(second), "pair 0 on " + first + ", pair 1 on " + second);
        for (var w : f.workers()) {
            assertEquals(1, w.portCount(), w.name() + " drains exactly one of the guest's transmit rings");
        }
        vhostPort(f, "single", null);
        TestGuest mq = opened.keep(TestGuest.connectTwoPairs(dir.resolve("mq.sock"), "mq"));
        TestGuest single = opened.keep(TestGuest.connect(dir.resolve("single.sock"), "single"));
        for (int i = 0; i < 20; i++) {
            byte[] out = frame(0xFFFF_FFFF_FFFFL, MAC_1, i, 70);
            mq.send(out); // pair 1's transmit ring, on the second worker
            assertArrayEquals(out, single.receive(1, WAIT).get(0), "frame " + i + " from the second pair was switched");
            single.send(frame(MAC_1, MAC_2, 100 + i, 90)); // into the guest, from the worker owning 'single'
            waitReaped(single, 1);
            assertEquals(1, mq.receive(1, WAIT).size(), "frame " + i + " into the guest");
        }
        List<Map<String, Object>> queues = f.port("mq").port().queueCounters();
        assertEquals(20L, queues.get(1).get("rxPackets"));
        assertEquals(20L, (long) queues.get(0).get("txPackets") + (long) queues.get(1).get("txPackets"));
        f.removePort("mq");
        assertEquals(1, f.workers().stream().mapToInt(w -> w.portCount()).sum(), "both of its queues let go");
    }

    /**
     * Both pairs of one guest send at once, each drained by its own worker, into one port that both workers deliver
     * to: every frame arrives exactly once and each pair's counters are exact.
     */
    @Test
    void bothPairsSendAtOnceThroughTwoWorkersAndEveryFrameArrivesOnce() throws Exception {
        Forwarder f = forwarder(Forwarder.Mode.SWITCH, 2);
        SwitchPort mqPort = f.addPort(new PortConfig("mq", "vhost-user", dir.resolve("mq.sock").toString(), "server", 2,
                null, null, null, null));
        assertTrue(!f.workerOf(mqPort, 0).equals(f.workerOf(mqPort, 1)));
        vhostPort(f, "single", null);
        TestGuest mq = opened.keep(TestGuest.connectTwoPairs(dir.resolve("mq.sock"), "mq"));
        TestGuest single = opened.keep(TestGuest.connect(dir.resolve("single.sock"), "single"));
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        int rounds = 25;
        int perPair = 12; // 24 in flight: within the guest's 48 transmit slots and the receiver's 32 buffers
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < perPair; i++) {
                mq.sendOnPair0(frame(0xFFFF_FFFF_FFFFL, MAC_1, (r * perPair + i) * 2, 64 + i));
                mq.send(frame(0xFFFF_FFFF_FFFFL, MAC_1, (r * perPair + i) * 2 + 1, 64 + i));
            }
            List<byte[]> got = single.receive(2 * perPair, WAIT);
            assertEquals(2 * perPair, got.size(), "round " + r);
            for (byte[] g : got) {
                int seq = ByteBuffer.wrap(g, 14, 4).getInt();
                assertTrue(seen.add(seq), "frame " + seq + " arrived twice");
            }
            long deadline = System.nanoTime() + WAIT.toNanos();
            int reaped = 0;
            while (reaped < 2 * perPair && System.nanoTime() < deadline) {
                reaped += mq.reapTransmittedBothPairs();
            }
            assertEquals(2 * perPair, reaped, "round " + r + ": every transmit buffer returned");
        }
        assertEquals(rounds * perPair * 2, seen.size());
        List<Map<String, Object>> queues = f.port("mq").port().queueCounters();
        assertEquals((long) rounds * perPair, queues.get(0).get("rxPackets"));
        assertEquals((long) rounds * perPair, queues.get(1).get("rxPackets"));
        assertEquals((long) rounds * perPair * 2, f.port("mq").counters().rxPackets());
        SwitchPort singlePort = f.port("single");
        Eventually.assertCount((long) rounds * perPair * 2, () -> singlePort.counters().txPackets(),
                "frames counted on the single-queue port");
    }

    @Test
    void guestsOnDifferentVlansCannotReachEachOther() throws Exception {
        Forwarder f = forwarder(Forwarder.Mode.SWITCH, 1);
        vhostPort(f, "red", new VlanConfig("access", 10, null, null));
        vhostPort(f, "blue", new VlanConfig("access", 20, null, null));
        vhostPort(f, "red2", new VlanConfig("access", 10, null, null));
        TestGuest red = opened.keep(TestGuest.connect(dir.resolve("red.sock"), "red"));
        TestGuest blue = opened.keep(TestGuest.connect(dir.resolve("blue.sock"), "blue"));
        TestGuest red2 = opened.keep(TestGuest.connect(dir.resolve("red2.sock"), "red2"));
        red.send(frame(0xFFFF_FFFF_FFFFL, MAC_1, 1, 60));
        assertEquals(1, red2.receive(1, WAIT).size(), "same VLAN: delivered");
        Thread.sleep(200);
        assertEquals(0, blue.receiveNow().size(), "other VLAN: nothing");
    }

    /**
     * In switch mode, unicast between learned guests goes guest to guest in one copy (the switch reads each
     * batch's heads and names the one port); floods, a third guest and the other VLAN stay where they belong.
     */
    @Test
    void switchSendsLearnedUnicastGuestToGuestInOneCopy() throws Exception {
        Forwarder f = forwarder(Forwarder.Mode.SWITCH, 1);
        vhostPort(f, "s1", null);
        vhostPort(f, "s2", null);
        vhostPort(f, "s3", null);
        vhostPort(f, "other", new VlanConfig("access", 20, null, null));
        TestGuest g1 = opened.keep(TestGuest.connect(dir.resolve("s1.sock"), "s1"));
        TestGuest g2 = opened.keep(TestGuest.connect(dir.resolve("s2.sock"), "s2"));
        TestGuest g3 = opened.keep(TestGuest.connect(dir.resolve("s3.sock"), "s3"));
        TestGuest other = opened.keep(TestGuest.connect(dir.resolve("other.sock"), "other"));
        // both learned: a broadcast from each (flooded, staged)
        g1.sendOneBuffer(frame(0xFFFF_FFFF_FFFFL, MAC_1, 1, 60));
        assertEquals(1, g2.receive(1, WAIT).size());
        g2.sendOneBuffer(frame(0xFFFF_FFFF_FFFFL, MAC_2, 2, 60));
        assertEquals(1, g1.receive(1, WAIT).size());
        assertEquals(2, g3.receive(2, WAIT).size(), "floods reach the third guest");

        List<byte[]> sent = sendOneBufferFramesAndReceiveThem(g1, g2, MAC_2, MAC_1);
        SwitchPort p2 = f.port("s2");
        Eventually.assertCount(41, () -> p2.counters().txPackets(), "s2's transmitted frames (g1's broadcast too)");
        long bytes = 60 + sent.stream().mapToLong(x -> x.length).sum();
        assertEquals(bytes, p2.counters().txBytes());
        long direct = ((Number) p2.port().queueCounters().get(0).get("txDirectPackets")).longValue();
        assertTrue(direct > 0 && direct <= 40, "unicast copied guest to guest: " + direct);
        Thread.sleep(100);
        assertEquals(0, g3.receiveNow().size(), "unicast to s2 only");
        assertEquals(0, other.receiveNow().size(), "nothing crosses into VLAN 20");
    }

    @Test
    void crossConnectCarriesEverythingBothWays() throws Exception {
        Forwarder f = forwarder(Forwarder.Mode.XCONNECT, 1);
        vhostPort(f, "a", null);
        vhostPort(f, "b", null);
        TestGuest a = opened.keep(TestGuest.connect(dir.resolve("a.sock"), "xa"));
        TestGuest b = opened.keep(TestGuest.connect(dir.resolve("b.sock"), "xb"));
        byte[] ab = frame(MAC_3, MAC_1, 5, 100); // unicast to nobody known: still crosses
        a.send(ab);
        assertArrayEquals(ab, b.receive(1, WAIT).get(0));
        byte[] ba = frame(MAC_1, MAC_2, 6, 200);
        b.send(ba);
        assertArrayEquals(ba, a.receive(1, WAIT).get(0));

        // one-descriptor frames, as DPDK and Linux send them: guest to guest in one copy, in order, counted as
        // the staged way counts them
        List<byte[]> sent = sendOneBufferFramesAndReceiveThem(a, b, MAC_3, MAC_1);
        SwitchPort pa = f.port("a");
        SwitchPort pb = f.port("b");
        Eventually.assertCount(41, () -> pb.counters().txPackets(), "b's transmitted frames");
        assertEquals(41, pa.counters().rxPackets());
        long bytes = 100 + sent.stream().mapToLong(x -> x.length).sum();
        assertEquals(bytes, pa.counters().rxBytes());
        assertEquals(bytes, pb.counters().txBytes());
        long direct = ((Number) pb.port().queueCounters().get(0).get("txDirectPackets")).longValue();
        assertTrue(direct > 0 && direct <= 40, "frames copied guest to guest: " + direct);
    }

    /**
     * 40 frames of 60.. bytes from {@code from} to {@code to}, each header and frame in one descriptor (as DPDK and
     * Linux send them), 20 at a time ({@code to} has 32 receive buffers); each must arrive whole and in order.
     */
    private static List<byte[]> sendOneBufferFramesAndReceiveThem(TestGuest from, TestGuest to, long dst, long src)
            throws Exception {
        List<byte[]> sent = new ArrayList<>();
        List<byte[]> got = new ArrayList<>();
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 20; i++) {
                byte[] fr = frame(dst, src, 100 + i, 60 + 29 * (round * 20 + i));
                sent.add(fr);
                from.sendOneBuffer(fr);
            }
            got.addAll(to.receive(20, WAIT));
        }
        assertEquals(40, got.size());
        for (int i = 0; i < 40; i++) {
            assertArrayEquals(sent.get(i), got.get(i), "frame " + i);
        }
        return sent;
    }

    @Test
    void aHostileGuestBreaksOnlyItsOwnPortWhileTwoOthersKeepForwarding() throws Exception {
        Forwarder f = forwarder(Forwarder.Mode.SWITCH, 1);
        vhostPort(f, "good1", null);
        vhostPort(f, "good2", null);
        SwitchPort evil = vhostPort(f, "evil", null);
        TestGuest g1 = opened.keep(TestGuest.connect(dir.resolve("good1.sock"), "good1"));
        TestGuest g2 = opened.keep(TestGuest.connect(dir.resolve("good2.sock"), "good2"));

        // the hostile guest: a proper handshake, then a transmit ring whose only chain loops on itself
        UnixSocket raw = opened.keep(TestGuest.connectSocket(dir.resolve("evil.sock")));
        Frontend evilFrontend = new Frontend(new Connection(raw));
        GuestRam ram = opened.keep(GuestRam.standard("evil"));
        evilFrontend.handshake(BackendSession.SUPPORTED_PROTOCOL_FEATURES);
        evilFrontend.setFeatures(VirtioFeature.VIRTIO_F_VERSION_1.mask() | VirtioFeature.VHOST_USER_F_PROTOCOL_FEATURES.mask());
        evilFrontend.setMemTable(ram);
        EventFd rxKick = opened.keep(EventFd.create());
        EventFd rxCall = opened.keep(EventFd.create());
        EventFd txKick = opened.keep(EventFd.create());
        EventFd txCall = opened.keep(EventFd.create());
        DriverSplitQueue rx = new DriverSplitQueue(ram.memory(), 256, 0x1000, 0x3000, 0x4000);
        DriverSplitQueue tx = new DriverSplitQueue(ram.memory(), 256, 0x9000, 0xB000, 0xC000);
        evilFrontend.startSplitQueue(0, rx, 0, rxKick, rxCall);
        evilFrontend.startSplitQueue(1, tx, 0, txKick, txCall);
        int d = tx.takeDescriptor();
        tx.rawDescriptor(d, 0x20000, 64, 1 /* NEXT */, d);
        tx.rawPushHead(d);
        tx.rawSetAvailIdx(1);
        txKick.signal();

        long deadline = System.nanoTime() + WAIT.toNanos();
        while (evil.port().brokenReason() == null && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertNotNull(evil.port().brokenReason(), "the looping chain marked the hostile port broken");
        // and then protocol garbage: a request code the spec does not define, a header claiming more than it sends
        FrontendMisbehaviour misbehave = new FrontendMisbehaviour(evilFrontend, raw);
        misbehave.sendUnknownRequest(0x7777, false);
        try {
            misbehave.sendHeaderClaiming(FrontendRequest.SET_FEATURES, 4000, new byte[8]);
        } catch (ErrnoException e) {
            // the unknown request ends the session: the back-end may have hung up before this second message
            if (e.errno() != Errno.EPIPE && e.errno() != Errno.ECONNRESET) {
                throw e;
            }
        }

        for (int i = 0; i < 20; i++) {
            g1.send(frame(MAC_2, MAC_1, i, 80));
            g2.send(frame(MAC_1, MAC_2, i, 80));
            if (i % 8 == 7) {
                waitReaped(g1, 8);
                waitReaped(g2, 8);
            }
        }
        assertEquals(20, g2.receive(20, WAIT).size(), "good1 -> good2 kept flowing");
        assertEquals(20, g1.receive(20, WAIT).size(), "good2 -> good1 kept flowing");
        assertNull(f.port("good1").port().brokenReason());
        assertNull(f.port("good2").port().brokenReason());
        evilFrontend.close();
    }

    @Test
    void aRemovedPortStopsReceivingAndItsSocketGoesAway() throws Exception {
        Forwarder f = forwarder(Forwarder.Mode.SWITCH, 1);
        vhostPort(f, "vm1", null);
        vhostPort(f, "vm2", null);
        TestGuest g1 = opened.keep(TestGuest.connect(dir.resolve("vm1.sock"), "g1"));
        TestGuest g2 = opened.keep(TestGuest.connect(dir.resolve("vm2.sock"), "g2"));
        g1.send(frame(0xFFFF_FFFF_FFFFL, MAC_1, 1, 60));
        assertEquals(1, g2.receive(1, WAIT).size());
        f.removePort("vm2");
        assertTrue(!java.nio.file.Files.exists(dir.resolve("vm2.sock")), "socket file removed");
        assertEquals(-1, f.macs().lookup(1, MAC_2, System.nanoTime()));
        g1.send(frame(0xFFFF_FFFF_FFFFL, MAC_1, 2, 60));
        assertEquals(1, waitReaped(g1, 2) >= 1 ? 1 : 0, "guest 1 keeps transmitting without errors");
        assertEquals(1, f.ports().size());
    }
}
