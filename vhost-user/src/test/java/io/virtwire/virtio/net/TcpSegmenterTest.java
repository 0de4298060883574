package io.virtwire.virtio.net;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

import static io.virtwire.virtio.net.TcpFrames.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TcpSegmenterTest {

    private static MemorySegment off(byte[] f) {
        MemorySegment s = Arena.ofAuto().allocate(f.length + 64);
        MemorySegment.copy(f, 0, s, ValueLayout.JAVA_BYTE, 32, f.length);
        return s;
    }

    @ParameterizedTest(name = "ipv6={0} vlan={1} payload={2} mss={3}")
    @CsvSource({"false,0,60000,1448", "true,0,60000,1428", "false,10,4000,1000", "false,0,1448,1448",
            "true,20,65000,536", "false,0,1,1448", "false,0,3001,1000"})
    void segmentsVerifyIndependentlyAndConcatenateToTheOriginalPayload(boolean ipv6, int vlan, int payload, int mss) {
        byte[] frame = build(ipv6, vlan, payload, ACK | PSH | FIN | CWR, payload * 31L + mss);
        int l3 = vlan != 0 ? 18 : 14;
        int l4 = l3 + (ipv6 ? 40 : 20);
        int headers = l4 + 32;
        TcpSegmenter seg = new TcpSegmenter();
        MemorySegment src = off(frame);
        int n = seg.prepare(src, 32, frame.length, mss);
        assertEquals((payload + mss - 1) / mss, n);
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        MemorySegment dst = Arena.ofAuto().allocate(70000);
        for (int k = 0; k < n; k++) {
            int len = seg.segmentLength(k);
            dst.fill((byte) 0x77);
            seg.write(k, dst, 16);
            byte[] s = dst.asSlice(16, len).toArray(ValueLayout.JAVA_BYTE);
            int piece = Math.min(mss, payload - k * mss);
            assertEquals(headers + piece, len, "segment " + k + " length");
            assertArrayEquals(Arrays.copyOf(frame, l3), Arrays.copyOf(s, l3), "segment " + k + " L2 header");
            if (ipv6) {
                assertEquals(32 + piece, u16(s, l3 + 4), "segment " + k + " IPv6 payload length");
            } else {
                assertEquals(20 + 32 + piece, u16(s, l3 + 2), "segment " + k + " IPv4 total length");
                assertEquals((0x1234 + k) & 0xFFFF, u16(s, l3 + 4), "segment " + k + " IPv4 id");
                assertTrue(ipv4ChecksumOk(s, l3), "segment " + k + " IPv4 header checksum");
            }
            assertTrue(tcpChecksumOk(s, ipv6, l3, l4), "segment " + k + " TCP checksum");
            assertEquals((0xFFFF_F000L + (long) k * mss) & 0xFFFF_FFFFL, u32(s, l4 + 4), "segment " + k + " seq (wraps)");
            int flags = s[l4 + 13] & 0xFF;
            boolean last = k == n - 1;
            assertEquals(last, (flags & FIN) != 0, "FIN only on the last segment (" + k + ")");
            assertEquals(last, (flags & PSH) != 0, "PSH only on the last segment (" + k + ")");
            assertEquals(k == 0, (flags & CWR) != 0, "CWR only on the first segment (" + k + ")");
            assertTrue((flags & ACK) != 0);
            assertArrayEquals(Arrays.copyOfRange(frame, l4 + 20, headers), Arrays.copyOfRange(s, l4 + 20, headers),
                    "TCP options copied");
            joined.write(s, headers, piece);
        }
        assertArrayEquals(Arrays.copyOfRange(frame, headers, frame.length), joined.toByteArray(), "payload");
    }

    @Test
    void refusesWhatItCannotSegment() {
        TcpSegmenter seg = new TcpSegmenter();
        byte[] tcp = build(false, 0, 3000, ACK, 1);
        assertEquals(-1, seg.prepare(off(tcp), 32, tcp.length, 0), "gso_size 0");
        assertEquals(-1, seg.prepare(off(tcp), 32, tcp.length, 5), "more than MAX_SEGMENTS");
        byte[] empty = build(false, 0, 0, ACK, 1);
        assertEquals(-1, seg.prepare(off(empty), 32, empty.length, 1000), "no payload");
        byte[] udp = tcp.clone();
        udp[14 + 9] = 17;
        assertEquals(-1, seg.prepare(off(udp), 32, udp.length, 1000), "UDP");
        byte[] lying = tcp.clone();
        putShort(lying, 16, 9000); // IPv4 total length beyond the frame
        assertEquals(-1, seg.prepare(off(lying), 32, lying.length, 1000), "total length beyond the frame");
        byte[] badOffset = tcp.clone();
        badOffset[14 + 20 + 12] = (byte) 0xF0; // data offset 60 bytes: fine; 0x10 would be < 20
        assertEquals(3, seg.prepare(off(badOffset), 32, badOffset.length, 1000 + 0)); // (3000 - 28) / 1000 -> 3
        badOffset[14 + 20 + 12] = 0x10;
        assertEquals(-1, seg.prepare(off(badOffset), 32, badOffset.length, 1000), "data offset below 20");
    }

    @Test
    void completesAPartialChecksumLikeTheReceiverVerifiesIt() {
        for (boolean ipv6 : new boolean[] {false, true}) {
            for (int payload : new int[] {0, 1, 2, 3, 1000, 1001}) {
                byte[] f = build(ipv6, 0, payload, ACK, payload);
                int l4 = 14 + (ipv6 ? 40 : 20);
                seedPartial(f, ipv6, 14, l4);
                MemorySegment s = off(f);
                InternetChecksum.completePartial(s, 32, f.length, l4, 16);
                byte[] done = s.asSlice(32, f.length).toArray(ValueLayout.JAVA_BYTE);
                assertTrue(tcpChecksumOk(done, ipv6, 14, l4), "ipv6=" + ipv6 + " payload=" + payload);
            }
        }
    }
}
