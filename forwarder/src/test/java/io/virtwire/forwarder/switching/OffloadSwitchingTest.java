package io.virtwire.forwarder.switching;

import io.virtwire.forwarder.metrics.DropReason;
import io.virtwire.virtio.net.Offloads;
import io.virtwire.virtio.net.PacketBurst;
import io.virtwire.virtio.net.TcpFrames;
import io.virtwire.virtio.net.VirtioNetHeader;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.virtwire.virtio.net.TcpFrames.ACK;
import static io.virtwire.virtio.net.TcpFrames.PSH;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Offloaded frames through the switch and the cross-connect: headers carried, shifted, or completed in software. */
class OffloadSwitchingTest {

    private static final int MSS = 1448;

    /** A memory port that declares offloads and records each transmitted frame's header. */
    static final class OffloadPort extends MemoryPort {
        final int accepted;
        final List<byte[]> headers = new ArrayList<>();

        OffloadPort(String name, int accepted) {
            super(name);
            this.accepted = accepted;
        }

        @Override
        public synchronized int transmit(PacketBurst burst) {
            for (int i = 0; i < burst.count(); i++) {
                headers.add(burst.data().asSlice(burst.headerOffset(i), VirtioNetHeader.SIZE).toArray(ValueLayout.JAVA_BYTE));
            }
            return super.transmit(burst);
        }

        @Override
        public int offloadsAccepted() {
            return accepted;
        }

        @Override
        public boolean largeFrames() {
            return accepted != Offloads.NONE;
        }
    }

    private PortTable table;
    private L2Switch sw;
    private EgressBuffers egress;
    private final PacketBurst burst = new PacketBurst(PacketBurst.DEFAULT_CAPACITY, PacketBurst.LARGE_SLOT_SIZE);

    @BeforeEach
    void setUp() {
        table = new PortTable();
        sw = new L2Switch(table, new MacTable(1024, 1_000_000_000L));
        egress = new EgressBuffers(table);
    }

    private SwitchPort add(String name, int accepted, VlanPolicy vlan) {
        OffloadPort p = new OffloadPort(name, accepted);
        return table.add(slot -> new SwitchPort(slot, p, vlan, 1500, 0));
    }

    private static OffloadPort port(SwitchPort p) {
        return (OffloadPort) p.port();
    }

    private static int u16le(byte[] h, int at) {
        return ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN).getShort(at) & 0xFFFF;
    }

    /** A TSO frame as a guest sends it: NEEDS_CSUM on the TCP checksum (pseudo-header seeded), GSO_TCPV4. */
    private void gsoFrame(byte[] f, int l3, int mss) {
        int l4 = l3 + 20;
        TcpFrames.seedPartial(f, false, l3, l4);
        int i = burst.add(f);
        burst.setHeader(i, VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV4, l4 + 32, mss, l4, 16);
    }

    @Test
    void aGsoFrameGoesAsItIsToAPortThatTakesTso() {
        SwitchPort in = add("in", Offloads.ALL, VlanPolicy.defaultAccess());
        SwitchPort out = add("out", Offloads.ALL, VlanPolicy.defaultAccess());
        byte[] f = TcpFrames.build(false, 0, 20000, ACK | PSH, 1);
        gsoFrame(f, 14, MSS);
        sw.forward(in, burst, egress);
        List<byte[]> got = port(out).take();
        assertEquals(1, got.size(), "one 64 KiB-class frame, not segments");
        assertArrayEquals(f, got.get(0));
        byte[] h = port(out).headers.get(0);
        assertEquals(VirtioNetHeader.F_NEEDS_CSUM, h[0]);
        assertEquals(VirtioNetHeader.GSO_TCPV4, h[1]);
        assertEquals(MSS, u16le(h, 4), "gso_size");
        assertEquals(34, u16le(h, 6), "csum_start");
        assertEquals(16, u16le(h, 8), "csum_offset");
        assertEquals(0, u16le(h, 10), "num_buffers is the receiving device's business");
        assertEquals(0, in.counters().drops(DropReason.MTU) + out.counters().drops(DropReason.MTU),
                "a TSO frame over the MTU is legal when its segments fit");
    }

    @Test
    void aPortWithoutTsoGetsCheckedSegmentsThatConcatenateToThePayload() {
        SwitchPort in = add("in", Offloads.ALL, VlanPolicy.defaultAccess());
        SwitchPort out = add("out", Offloads.NONE, VlanPolicy.defaultAccess());
        int payload = 20000;
        byte[] f = TcpFrames.build(false, 0, payload, ACK | PSH, 2);
        gsoFrame(f, 14, MSS);
        sw.forward(in, burst, egress);
        List<byte[]> got = port(out).take();
        assertEquals((payload + MSS - 1) / MSS, got.size());
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        for (int k = 0; k < got.size(); k++) {
            byte[] s = got.get(k);
            assertTrue(s.length <= 1514, "segment " + k + " fits the MTU: " + s.length);
            assertTrue(TcpFrames.ipv4ChecksumOk(s, 14), "segment " + k + " IPv4 checksum");
            assertTrue(TcpFrames.tcpChecksumOk(s, false, 14, 34), "segment " + k + " TCP checksum");
            assertArrayEquals(new byte[VirtioNetHeader.SIZE], port(out).headers.get(k), "segments carry no offload");
            joined.write(s, 66, s.length - 66);
        }
        assertArrayEquals(Arrays.copyOfRange(f, 66, f.length), joined.toByteArray());
    }

    @Test
    void vlanTagsMoveChecksumStartAndHeaderLength() {
        SwitchPort access = add("access", Offloads.ALL, VlanPolicy.access(10));
        SwitchPort trunk = add("trunk", Offloads.ALL, VlanPolicy.trunk(List.of(10), 0));
        byte[] f = TcpFrames.build(false, 0, 5000, ACK, 3);
        gsoFrame(f, 14, MSS);
        sw.forward(access, burst, egress);
        byte[] tagged = port(trunk).take().get(0);
        assertEquals(f.length + 4, tagged.length);
        assertEquals(0x8100, TcpFrames.u16(tagged, 12));
        byte[] h = port(trunk).headers.get(0);
        assertEquals(38, u16le(h, 6), "csum_start + 4 behind the pushed tag");
        assertEquals(70, u16le(h, 2), "hdr_len + 4");

        burst.clear();
        byte[] back = TcpFrames.build(false, 10, 5000, ACK, 4);
        TcpFrames.seedPartial(back, false, 18, 38);
        int i = burst.add(back);
        burst.setHeader(i, VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV4, 70, MSS, 38, 16);
        sw.forward(trunk, burst, egress);
        byte[] untagged = port(access).take().get(0);
        assertEquals(back.length - 4, untagged.length);
        byte[] h2 = port(access).headers.get(0);
        assertEquals(34, u16le(h2, 6), "csum_start - 4 after the popped tag");
        assertEquals(66, u16le(h2, 2), "hdr_len - 4");
    }

    @Test
    void aPartialChecksumIsCompletedForAPortThatCannotFinishIt() {
        SwitchPort in = add("in", Offloads.ALL, VlanPolicy.defaultAccess());
        SwitchPort out = add("out", Offloads.NONE, VlanPolicy.defaultAccess());
        byte[] f = TcpFrames.build(false, 0, 999, ACK, 5);
        TcpFrames.seedPartial(f, false, 14, 34);
        int i = burst.add(f);
        burst.setHeader(i, VirtioNetHeader.F_NEEDS_CSUM, 0, 0, 0, 34, 16);
        sw.forward(in, burst, egress);
        byte[] got = port(out).take().get(0);
        assertTrue(TcpFrames.tcpChecksumOk(got, false, 14, 34), "checksum completed in software");
        assertArrayEquals(new byte[VirtioNetHeader.SIZE], port(out).headers.get(0));
    }

    @Test
    void theMtuAppliesToSegmentsAndBrokenGsoFramesAreCounted() {
        SwitchPort in = add("in", Offloads.ALL, VlanPolicy.defaultAccess());
        SwitchPort out = add("out", Offloads.ALL, VlanPolicy.defaultAccess());
        gsoFrame(TcpFrames.build(false, 0, 20000, ACK, 6), 14, 1500); // 20 + 32 + 1500 > 1500
        sw.forward(in, burst, egress);
        assertEquals(1, in.counters().drops(DropReason.MTU), "segments of 1552 bytes do not fit MTU 1500");
        burst.clear();
        byte[] udp = TcpFrames.build(false, 0, 3000, ACK, 7);
        udp[14 + 9] = 17;
        int i = burst.add(udp);
        burst.setHeader(i, VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV4, 66, MSS, 34, 16);
        sw.forward(in, burst, egress);
        assertEquals(1, in.counters().drops(DropReason.BAD_OFFLOAD), "a GSO header on a UDP frame");
        assertEquals(0, port(out).take().size());
    }

    @Test
    void theCrossConnectPassesOffloadsItsPeerTakesAndCompletesTheOthers() {
        CrossConnect xc = new CrossConnect(table);
        SwitchPort a = add("a", Offloads.ALL, VlanPolicy.defaultAccess());
        SwitchPort b = add("b", Offloads.ALL, VlanPolicy.defaultAccess());
        SwitchPort c = add("c", Offloads.NONE, VlanPolicy.defaultAccess());
        xc.connect(a, b);
        byte[] f = TcpFrames.build(false, 0, 6000, ACK, 8);
        gsoFrame(f, 14, MSS);
        xc.forward(a, burst, egress);
        assertEquals(1, port(b).take().size(), "b takes TSO: the burst goes as it is");
        xc.disconnect(a);
        xc.connect(a, c);
        burst.clear();
        gsoFrame(f.clone(), 14, MSS);
        burst.add(TcpFrames.build(false, 0, 100, ACK, 9));
        xc.forward(a, burst, egress);
        List<byte[]> got = port(c).take();
        assertEquals(5 + 1, got.size(), "6000 bytes at MSS 1448 in 5 segments, then the plain frame");
        for (int k = 0; k < 5; k++) {
            assertTrue(TcpFrames.tcpChecksumOk(got.get(k), false, 14, 34), "segment " + k);
        }
        assertEquals(166, got.get(5).length);
    }
}
