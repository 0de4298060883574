package io.virtwire.virtio.net;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import static io.virtwire.virtio.net.TcpFrames.ACK;
import static io.virtwire.virtio.net.TcpFrames.build;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Hostile and honest virtio-net headers against {@link OffloadCheck}. */
class OffloadCheckTest {

    private static final int HDR = 0;
    private static final int FRAME = 64;

    private final OffloadCheck check = new OffloadCheck();
    private final MemorySegment s = Arena.ofAuto().allocate(FRAME + 70000);
    private final VirtioNetHeader h = new VirtioNetHeader().wrap(s, HDR);
    private int length;

    private void frame(byte[] f) {
        MemorySegment.copy(f, 0, s, ValueLayout.JAVA_BYTE, FRAME, f.length);
        length = f.length;
        h.clear();
    }

    private HeaderFault check(int allowed) {
        return check.check(s, HDR, FRAME, length, allowed);
    }

    private void tso4(int gsoSize) {
        h.flags(VirtioNetHeader.F_NEEDS_CSUM).gsoType(VirtioNetHeader.GSO_TCPV4).gsoSize(gsoSize).hdrLen(66)
                .csumStart(34).csumOffset(16);
    }

    @Test
    void honestHeadersPass() {
        frame(build(false, 0, 30000, ACK, 1));
        assertNull(check(Offloads.NONE), "no offload asked");
        h.flags(VirtioNetHeader.F_NEEDS_CSUM).csumStart(34).csumOffset(16);
        assertNull(check(Offloads.CSUM));
        tso4(1448);
        assertNull(check(Offloads.CSUM | Offloads.TSO4));
        h.hdrLen(length); // Linux puts the skb's linear length here, not the headers'
        assertNull(check(Offloads.CSUM | Offloads.TSO4));
        h.gsoType(VirtioNetHeader.GSO_TCPV4 | VirtioNetHeader.GSO_ECN);
        assertNull(check(Offloads.ALL));
        frame(build(true, 10, 30000, ACK, 2));
        h.flags(VirtioNetHeader.F_NEEDS_CSUM).gsoType(VirtioNetHeader.GSO_TCPV6).gsoSize(1428).csumStart(58).csumOffset(16);
        assertNull(check(Offloads.CSUM | Offloads.TSO6));
    }

    @Test
    void offloadsThatWereNotNegotiatedAreRefused() {
        frame(build(false, 0, 30000, ACK, 1));
        h.flags(VirtioNetHeader.F_NEEDS_CSUM).csumStart(34).csumOffset(16);
        assertEquals(HeaderFault.CSUM_NOT_NEGOTIATED, check(Offloads.NONE));
        tso4(1448);
        assertEquals(HeaderFault.GSO_NOT_NEGOTIATED, check(Offloads.CSUM | Offloads.TSO6));
        h.gsoType(VirtioNetHeader.GSO_TCPV4 | VirtioNetHeader.GSO_ECN);
        assertEquals(HeaderFault.GSO_NOT_NEGOTIATED, check(Offloads.CSUM | Offloads.TSO4), "ECN without HOST_ECN");
        h.gsoType(VirtioNetHeader.GSO_UDP);
        assertEquals(HeaderFault.GSO_UNSUPPORTED, check(Offloads.ALL));
        h.gsoType(VirtioNetHeader.GSO_UDP_L4);
        assertEquals(HeaderFault.GSO_UNSUPPORTED, check(Offloads.ALL));
        h.gsoType(0x42);
        assertEquals(HeaderFault.GSO_UNSUPPORTED, check(Offloads.ALL));
    }

    @Test
    void fieldsOutsideTheFrameAreRefused() {
        frame(build(false, 0, 100, ACK, 1));
        h.flags(VirtioNetHeader.F_NEEDS_CSUM).csumStart(length - 1).csumOffset(0);
        assertEquals(HeaderFault.CSUM_OUT_OF_FRAME, check(Offloads.ALL), "field's second byte beyond the end");
        h.csumStart(65535).csumOffset(65535); // CVE-2024-11614: no overflow, no underflow
        assertEquals(HeaderFault.CSUM_OUT_OF_FRAME, check(Offloads.ALL));
        h.csumStart(2).csumOffset(16);
        assertEquals(HeaderFault.CSUM_OUT_OF_FRAME, check(Offloads.ALL), "inside the Ethernet header");
        h.csumStart(34).csumOffset(length - 34 - 2);
        assertNull(check(Offloads.ALL), "the last two bytes are a legal place");
        h.hdrLen(length + 1);
        assertEquals(HeaderFault.HDR_LEN, check(Offloads.ALL));
        h.clear().flags(0x10);
        assertEquals(HeaderFault.UNKNOWN_FLAGS, check(Offloads.ALL));
    }

    @Test
    void gsoFramesMustReallyBeTcpOfThatVersion() {
        frame(build(false, 0, 30000, ACK, 1));
        tso4(0);
        assertEquals(HeaderFault.GSO_SIZE_ZERO, check(Offloads.ALL));
        tso4(1448);
        h.flags(0);
        assertEquals(HeaderFault.GSO_WITHOUT_CSUM, check(Offloads.ALL));
        tso4(1448);
        h.gsoType(VirtioNetHeader.GSO_TCPV6);
        assertEquals(HeaderFault.NOT_TCP, check(Offloads.ALL), "IPv4 frame claimed as TCPV6");
        tso4(1448);
        h.csumOffset(6);
        assertEquals(HeaderFault.CSUM_NOT_TCP, check(Offloads.ALL), "UDP's checksum offset on a TCP frame");
        tso4(1448);
        h.csumStart(14);
        assertEquals(HeaderFault.CSUM_NOT_TCP, check(Offloads.ALL));
        tso4(8);
        assertEquals(HeaderFault.TOO_MANY_SEGMENTS, check(Offloads.ALL), "30000 bytes at gso_size 8");
        byte[] udp = build(false, 0, 3000, ACK, 1);
        udp[14 + 9] = 17;
        frame(udp);
        tso4(1448);
        assertEquals(HeaderFault.NOT_TCP, check(Offloads.ALL));
        byte[] fragment = build(false, 0, 3000, ACK, 1);
        fragment[14 + 6] = 0x20; // more fragments
        frame(fragment);
        tso4(1448);
        assertEquals(HeaderFault.NOT_TCP, check(Offloads.ALL));
        frame(build(false, 0, 0, ACK, 1));
        tso4(1448);
        assertEquals(HeaderFault.NO_PAYLOAD, check(Offloads.ALL));
        frame(new byte[20]);
        tso4(1448);
        h.csumStart(14).csumOffset(0).hdrLen(0);
        assertEquals(HeaderFault.NOT_TCP, check(Offloads.ALL), "a runt");
    }

    @Test
    void randomHeadersOverRandomFramesNeverThrow() {
        Random r = new Random(7);
        for (int i = 0; i < 20000; i++) {
            byte[] f = i % 2 == 0 ? build(r.nextBoolean(), r.nextBoolean() ? 5 : 0, r.nextInt(3000), ACK, i)
                    : new byte[r.nextInt(200)];
            for (int j = 0; j < 4 && f.length > 0; j++) {
                f[r.nextInt(f.length)] = (byte) r.nextInt();
            }
            frame(f);
            byte[] hdr = new byte[VirtioNetHeader.SIZE];
            r.nextBytes(hdr);
            MemorySegment.copy(hdr, 0, s, ValueLayout.JAVA_BYTE, HDR, hdr.length);
            HeaderFault fault = check(r.nextInt(16));
            if (fault == null && (h.flags() & VirtioNetHeader.F_NEEDS_CSUM) != 0) {
                // whatever passed must be safe to act on
                InternetChecksum.completePartial(s, FRAME, length, h.csumStart(), h.csumOffset());
                if (h.gsoType() != 0) {
                    TcpSegmenter seg = new TcpSegmenter();
                    int n = seg.prepare(s, FRAME, length, h.gsoSize());
                    MemorySegment out = Arena.ofAuto().allocate(70000);
                    for (int k = 0; k < n; k++) {
                        seg.write(k, out, 0);
                    }
                }
            }
        }
    }
}
