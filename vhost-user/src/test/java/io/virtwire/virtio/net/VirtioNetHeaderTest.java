package io.virtwire.virtio.net;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static io.virtwire.virtio.queue.testing.Expect.assertContains;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VirtioNetHeaderTest {

    @Test
    void fieldsAreLittleEndianAtSpecOffsets() {
        byte[] bytes = new byte[16];
        VirtioNetHeader h = new VirtioNetHeader().wrap(MemorySegment.ofArray(bytes), 2);
        h.flags(VirtioNetHeader.F_NEEDS_CSUM).gsoType(VirtioNetHeader.GSO_TCPV4).hdrLen(0x0102).gsoSize(0x0304)
                .csumStart(0x0506).csumOffset(0x0708).numBuffers(0x090A);
        assertArrayEquals(new byte[] {0, 0, 1, 1, 2, 1, 4, 3, 6, 5, 8, 7, 0xA, 9, 0, 0}, bytes);
        assertEquals(0x0304, h.gsoSize());
        assertEquals(0x090A, h.numBuffers());
        h.clear();
        assertArrayEquals(new byte[16], bytes);
    }

    @Test
    void readsOfLargeValuesAreUnsigned() {
        byte[] bytes = {(byte) 0x81, (byte) 0x80, (byte) 0xFF, (byte) 0xFF, 0, 0, 0, 0, 0, 0, (byte) 0xFE, (byte) 0xFF};
        VirtioNetHeader h = new VirtioNetHeader().wrap(MemorySegment.ofArray(bytes), 0);
        assertEquals(0x81, h.flags());
        assertEquals(0x80, h.gsoType());
        assertEquals(0xFFFF, h.hdrLen());
        assertEquals(0xFFFE, h.numBuffers());
    }

    @Test
    void wrapRefusesAShortBuffer() {
        assertThrows(IndexOutOfBoundsException.class, () -> new VirtioNetHeader().wrap(MemorySegment.ofArray(new byte[11]), 0));
        assertThrows(IndexOutOfBoundsException.class, () -> new VirtioNetHeader().wrap(MemorySegment.ofArray(new byte[12]), 1));
    }

    @Test
    void transmitHeaderChecks() {
        VirtioNetHeader h = new VirtioNetHeader().wrap(MemorySegment.ofArray(new byte[12]), 0);
        assertNull(h.checkTransmit(60));
        h.flags(VirtioNetHeader.F_NEEDS_CSUM).csumStart(34).csumOffset(16);
        assertNull(h.checkTransmit(52)); // 34 + 16 + 2 = 52
        assertContains(h.checkTransmit(51), "csum_start 34", "csum_offset 16", "frame length 51");
        h.flags(0).gsoType(2);
        assertContains(h.checkTransmit(60), "unknown gso_type 2");
        h.gsoType(VirtioNetHeader.GSO_TCPV6 | VirtioNetHeader.GSO_ECN);
        assertContains(h.checkTransmit(60), "gso_size 0");
        h.gsoSize(1400).hdrLen(74);
        assertNull(h.checkTransmit(1474));
        assertContains(h.checkTransmit(60), "hdr_len 74");
    }

    @Test
    void featureBitsAndHeaderSize() {
        long f = VirtioNetFeatures.mask(VirtioNetFeatures.VERSION_1, VirtioNetFeatures.RING_EVENT_IDX, VirtioNetFeatures.MRG_RXBUF);
        assertEquals((1L << 32) | (1L << 29) | (1L << 15), f);
        assertTrue(VirtioNetFeatures.has(f, VirtioNetFeatures.VERSION_1));
        assertFalse(VirtioNetFeatures.has(f, VirtioNetFeatures.RING_PACKED));
        assertEquals(1L << 30, VirtioNetFeatures.bit(VirtioNetFeatures.VHOST_USER_F_PROTOCOL_FEATURES));
        assertEquals(12, VirtioNetFeatures.netHeaderSize(f));
        assertEquals(12, VirtioNetFeatures.netHeaderSize(VirtioNetFeatures.bit(VirtioNetFeatures.MRG_RXBUF)));
        assertEquals(10, VirtioNetFeatures.netHeaderSize(0));
        assertThrows(IllegalArgumentException.class, () -> VirtioNetFeatures.bit(64));
    }
}
