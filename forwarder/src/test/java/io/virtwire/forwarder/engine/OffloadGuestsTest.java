package io.virtwire.forwarder.engine;

import io.virtwire.forwarder.config.PortConfig;
import io.virtwire.forwarder.metrics.DropReason;
import io.virtwire.forwarder.switching.SwitchPort;
import io.virtwire.vhostuser.net.TestGuest;
import io.virtwire.vhostuser.protocol.VirtioFeature;
import io.virtwire.virtio.net.TcpFrames;
import io.virtwire.virtio.net.VirtioNetHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static io.virtwire.virtio.net.TcpFrames.ACK;
import static io.virtwire.virtio.net.TcpFrames.PSH;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Offloads between QEMU-like front-ends on vhost-user ports: a TSO frame from a guest that negotiated HOST_TSO4
 * reaches a guest with GUEST_TSO4 as one GSO frame (header intact, merged buffers) and a guest without offloads
 * as checked segments; hostile headers are dropped and counted while the good frames keep flowing.
 */
@Timeout(60)
class OffloadGuestsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final long OFFLOADS = VirtioFeature.VIRTIO_NET_F_CSUM.mask() | VirtioFeature.VIRTIO_NET_F_GUEST_CSUM.mask()
            | VirtioFeature.VIRTIO_NET_F_HOST_TSO4.mask() | VirtioFeature.VIRTIO_NET_F_GUEST_TSO4.mask();
    private static final int MSS = 1448;

    @TempDir
    Path dir;

    @RegisterExtension
    final OpenedInTest opened = new OpenedInTest();

    private SwitchPort port(Forwarder f, String name, boolean offloads) throws Exception {
        return f.addPort(new PortConfig(name, "vhost-user", dir.resolve(name + ".sock").toString(), "server",
                null, null, null, null, null, offloads));
    }

    private static byte[] header(int flags, int gsoType, int hdrLen, int gsoSize, int csumStart, int csumOffset) {
        return ByteBuffer.allocate(VirtioNetHeader.SIZE).order(ByteOrder.LITTLE_ENDIAN).put((byte) flags)
                .put((byte) gsoType).putShort((short) hdrLen).putShort((short) gsoSize).putShort((short) csumStart)
                .putShort((short) csumOffset).putShort((short) 0).array();
    }

    private static int u16le(byte[] h, int at) {
        return ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN).getShort(at) & 0xFFFF;
    }

    @Test
    void aTsoFrameReachesATsoGuestWholeAndAPlainGuestInCheckedSegments() throws Exception {
        Forwarder f = opened.keep(new Forwarder(Forwarder.Mode.SWITCH, 1, List.of(), Duration.ofMinutes(5), new PortFactory(), -1));
        SwitchPort p1 = port(f, "vm1", true);
        SwitchPort p2 = port(f, "vm2", true);
        SwitchPort p3 = port(f, "vm3", false);
        TestGuest g1 = opened.keep(TestGuest.connect(dir.resolve("vm1.sock"), "g1", OFFLOADS));
        TestGuest g2 = opened.keep(TestGuest.connect(dir.resolve("vm2.sock"), "g2", OFFLOADS));
        TestGuest g3 = opened.keep(TestGuest.connect(dir.resolve("vm3.sock"), "g3"));

        int payload = 8000;
        byte[] gso = TcpFrames.build(false, 0, payload, ACK | PSH, 42);
        TcpFrames.seedPartial(gso, false, 14, 34);
        g1.send(header(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV4, 66, MSS, 34, 16), gso);

        List<byte[]> at2 = g2.receive(1, WAIT);
        assertEquals(1, at2.size(), "the TSO guest gets one frame");
        assertArrayEquals(gso, at2.get(0), "as sent (checksum still partial: the guest asked for that)");
        byte[] h = g2.receivedHeaders().get(0);
        assertEquals(VirtioNetHeader.F_NEEDS_CSUM, h[0]);
        assertEquals(VirtioNetHeader.GSO_TCPV4, h[1]);
        assertEquals(MSS, u16le(h, 4));
        assertEquals(34, u16le(h, 6));
        assertTrue(u16le(h, 10) > 1, "merged over " + u16le(h, 10) + " 2 KiB buffers");

        int segments = (payload + MSS - 1) / MSS;
        List<byte[]> at3 = g3.receive(segments, WAIT);
        assertEquals(segments, at3.size(), "the plain guest gets segments");
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        for (int k = 0; k < segments; k++) {
            byte[] s = at3.get(k);
            assertTrue(TcpFrames.ipv4ChecksumOk(s, 14) && TcpFrames.tcpChecksumOk(s, false, 14, 34), "segment " + k);
            assertArrayEquals(new byte[VirtioNetHeader.SIZE - 2], Arrays.copyOf(g3.receivedHeaders().get(k), 10),
                    "no offload towards a guest that negotiated none");
            joined.write(s, 66, s.length - 66);
        }
        assertArrayEquals(Arrays.copyOfRange(gso, 66, gso.length), joined.toByteArray());
        assertEquals(0, p1.counters().drops(DropReason.BAD_OFFLOAD));
        Eventually.assertCount(segments, () -> p3.counters().txPackets(), "segments counted on the plain guest's port");
        Eventually.assertCount(1, () -> p2.counters().txPackets(), "one frame counted on the TSO guest's port");
    }

    @Test
    void hostileHeadersAreCountedAndTheGuestGoesOn() throws Exception {
        Forwarder f = opened.keep(new Forwarder(Forwarder.Mode.SWITCH, 1, List.of(), Duration.ofMinutes(5), new PortFactory(), -1));
        SwitchPort p1 = port(f, "vm1", true);
        SwitchPort p2 = port(f, "vm2", false);
        TestGuest g1 = opened.keep(TestGuest.connect(dir.resolve("vm1.sock"), "g1", OFFLOADS));
        TestGuest g2 = opened.keep(TestGuest.connect(dir.resolve("vm2.sock"), "g2"));
        byte[] tcp = TcpFrames.build(false, 0, 3000, ACK, 1);
        g1.send(header(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV6, 66, MSS, 34, 16), tcp); // v6 on v4
        g1.send(header(VirtioNetHeader.F_NEEDS_CSUM, 0, 0, 0, 65535, 65535), tcp); // CVE-2024-11614 shape
        g1.send(header(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV4, 66, 0, 34, 16), tcp); // gso_size 0
        byte[] fine = TcpFrames.build(false, 0, 100, ACK, 2);
        g1.send(fine);
        List<byte[]> at2 = g2.receive(1, WAIT);
        assertEquals(1, at2.size());
        assertArrayEquals(fine, at2.get(0), "only the good frame arrived");
        Eventually.assertCount(3, () -> p1.counters().drops(DropReason.BAD_OFFLOAD), "the three bad headers counted");

        // g2 negotiated no offload, so it cannot ask for one: its header is not read, and the frame goes on plain
        byte[] plain = TcpFrames.build(false, 0, 100, ACK, 3);
        g2.send(header(VirtioNetHeader.F_NEEDS_CSUM, 0, 0, 0, 34, 16), plain);
        List<byte[]> at1 = g1.receive(1, WAIT);
        assertEquals(1, at1.size());
        assertArrayEquals(plain, at1.get(0));
        assertEquals(0, g1.receivedHeaders().get(0)[0], "with a zero header: nothing asked");
        assertEquals(0, p2.counters().drops(DropReason.BAD_OFFLOAD));
        assertEquals(null, p1.port().brokenReason(), "a bad header breaks nothing");
        assertEquals(null, p2.port().brokenReason());
    }
}
