package io.virtwire.vhostuser.net;

import io.virtwire.linux.EventFd;
import io.virtwire.vhostuser.frontend.driver.DriverSplitQueue;
import io.virtwire.vhostuser.protocol.FrontendRequest;
import io.virtwire.vhostuser.protocol.ProtocolFeature;
import io.virtwire.vhostuser.protocol.SendRarp;
import io.virtwire.vhostuser.protocol.VringFile;
import io.virtwire.virtio.net.PacketBurst;
import io.virtwire.virtio.queue.RingLayout;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SET_VRING_ERR is signalled when a ring breaks; SEND_RARP turns into a RARP frame on the port, over real sockets. */
class VringErrAndRarpTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    @Test
    void aBrokenRingSignalsItsErrorEventfdAndOnlyItsOwn() throws Exception {
        try (NetTestHarness h = new NetTestHarness("vw-err", false, false, false);
             EventFd rxErr = EventFd.create();
             EventFd txErr = EventFd.create()) {
            h.frontend.request(new VringFile(FrontendRequest.SET_VRING_ERR, 0, false), rxErr.fd());
            h.frontend.request(new VringFile(FrontendRequest.SET_VRING_ERR, 1, false), txErr.fd());
            NetTestHarness.await(() -> h.device.isStarted(1), WAIT, "the transmit ring to restart after SET_VRING_ERR");
            PacketBurst burst = new PacketBurst();
            h.device.fromGuest(burst);
            assertEquals(0, txErr.drain(), "nothing wrong yet");

            // the guest's transmit chain loops onto itself
            DriverSplitQueue tx = new DriverSplitQueue(h.ram.memory(), 256, 0x9000, 0xB000, 0xC000);
            tx.rawDescriptor(5, 0x1_0000_0000L, 64, RingLayout.F_NEXT, 5);
            tx.rawPushHead(5);
            tx.publish();
            h.device.fromGuest(burst);
            assertTrue(h.device.isBroken());
            assertEquals(1, txErr.drain(), "the broken ring's error eventfd fired once");
            assertEquals(0, rxErr.drain(), "the receive ring did not break");
            h.device.fromGuest(burst);
            assertEquals(0, txErr.drain(), "a latched ring does not signal again");
        }
    }

    @Test
    void sendRarpHandsOutOneBroadcastRarpForTheMacAheadOfTheGuestsFrames() throws Exception {
        try (NetTestHarness h = new NetTestHarness("vw-rarp", false, true, true)) {
            assertTrue(h.frontend.hasProtocol(ProtocolFeature.RARP), "the net device offers RARP");
            byte[] mac = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
            byte[] guestFrame = GuestNet.frame(100, 1);
            h.guest.send(guestFrame);
            h.frontend.request(SendRarp.ofBytes(mac));

            PacketBurst burst = new PacketBurst();
            List<byte[]> got = new ArrayList<>();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (got.size() < 2 && System.nanoTime() < deadline) {
                burst.clear();
                h.device.fromGuest(burst);
                for (int i = 0; i < burst.count(); i++) {
                    got.add(burst.frame(i));
                }
            }
            assertEquals(2, got.size());
            byte[] rarp = got.get(0);
            assertEquals(RarpFrame.LENGTH, rarp.length);
            byte[] broadcast = new byte[6];
            Arrays.fill(broadcast, (byte) 0xFF);
            assertArrayEquals(broadcast, Arrays.copyOfRange(rarp, 0, 6), "destination: broadcast, so switches flood it");
            assertArrayEquals(mac, Arrays.copyOfRange(rarp, 6, 12), "source: the migrated guest's MAC");
            assertEquals(0x8035, (rarp[12] & 0xFF) << 8 | rarp[13] & 0xFF, "ethertype RARP");
            assertEquals(RarpFrame.OP_REVERSE_REQUEST, rarp[21]);
            assertArrayEquals(mac, Arrays.copyOfRange(rarp, 22, 28), "sender hardware address");
            assertArrayEquals(mac, Arrays.copyOfRange(rarp, 32, 38), "target hardware address");
            assertArrayEquals(guestFrame, got.get(1));
            assertEquals(1, h.device.rarpAnnounced());
            assertEquals(1, h.device.fromGuestFrames(), "the announcement is not counted as a guest frame");

            burst.clear();
            assertEquals(0, h.device.fromGuest(burst), "announced once");
        }
        assertThrows(IllegalArgumentException.class, () -> RarpFrame.announce(new byte[5]));
    }
}
