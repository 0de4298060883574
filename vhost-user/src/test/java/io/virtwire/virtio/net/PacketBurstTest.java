package io.virtwire.virtio.net;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PacketBurstTest {

    @Test
    void everyFrameHasItsOwnHeadroomAndAlignedStart() {
        PacketBurst b = new PacketBurst(4);
        for (int i = 0; i < 4; i++) {
            long at = b.offset(i);
            assertTrue(at >= PacketBurst.HEADROOM, "frame " + i + " at " + at);
            assertEquals(0, at % 64, "frame " + i + " is not 64-byte aligned");
            if (i > 0) {
                assertTrue(at - PacketBurst.HEADROOM >= b.offset(i - 1) + PacketBurst.SLOT_SIZE,
                        "frame " + i + "'s headroom overlaps frame " + (i - 1));
            }
        }
        assertTrue(b.offset(3) + PacketBurst.SLOT_SIZE <= b.data().byteSize());
    }

    @Test
    void writingTheHeadroomLeavesThePreviousFrameIntact() {
        PacketBurst b = new PacketBurst(2);
        byte[] first = new byte[PacketBurst.SLOT_SIZE];
        java.util.Arrays.fill(first, (byte) 0x5a);
        b.add(first);
        b.append(60);
        b.data().asSlice(b.offset(1) - PacketBurst.HEADROOM, PacketBurst.HEADROOM).fill((byte) 0);
        assertArrayEquals(first, b.frame(0));
    }

    @Test
    void movingAFrameDownClosesAGapWithItsHeader() {
        PacketBurst b = new PacketBurst(3);
        b.add(new byte[] {1, 2, 3});
        b.add(new byte[] {4, 5});
        b.add(new byte[] {6, 7, 8, 9});
        b.setHeader(2, 1, 0, 0, 0, 14, 16);
        b.moveFrame(2, 1); // frame 1 was dropped
        b.truncate(2);
        assertEquals(2, b.count());
        assertArrayEquals(new byte[] {6, 7, 8, 9}, b.frame(1));
        assertTrue(b.hasOffload(1), "the header moved with the frame");
        assertArrayEquals(new byte[] {1, 2, 3}, b.frame(0));
        assertThrows(IllegalArgumentException.class, () -> b.moveFrame(0, 1), "only downwards");
        assertThrows(IllegalArgumentException.class, () -> b.truncate(3), "cannot grow");
    }

    @Test
    void bytesFollowEveryChangeSoNobodySumsTheLengthsAgain() {
        PacketBurst b = new PacketBurst(5);
        b.add(new byte[3]);
        b.add(new byte[5]);
        b.add(new byte[7]);
        b.add(new byte[11]);
        assertEquals(26, b.bytes());
        b.moveFrame(2, 1); // frame 1 (5 bytes) dropped, 7 moves down
        b.moveFrame(3, 2); // 11 moves down
        b.truncate(3);
        assertEquals(3 + 7 + 11, b.bytes());
        b.append(100);
        b.setLastLength(40);
        assertEquals(61, b.bytes());
        b.removeLast();
        assertEquals(21, b.bytes());
        b.clear();
        assertEquals(0, b.bytes());
    }

    @Test
    void removeLastGivesTheSlotBack() {
        PacketBurst b = new PacketBurst(2);
        b.append(60);
        int second = b.append(70);
        b.removeLast();
        assertEquals(1, b.count());
        assertEquals(second, b.append(80));
        assertEquals(80, b.length(1));
        b.clear();
        assertThrows(IllegalStateException.class, b::removeLast);
    }

    @Test
    void everyFrameCarriesAHeaderRightBeforeItZeroUnlessSet() {
        PacketBurst b = new PacketBurst(4);
        for (int i = 0; i < 4; i++) {
            b.append(60);
            assertEquals(b.offset(i) - io.virtwire.virtio.net.VirtioNetHeader.SIZE, b.headerOffset(i));
        }
        b.setHeader(1, io.virtwire.virtio.net.VirtioNetHeader.F_NEEDS_CSUM, io.virtwire.virtio.net.VirtioNetHeader.GSO_TCPV4,
                66, 1448, 34, 16);
        assertTrue(b.hasOffload(1));
        assertTrue(!b.hasOffload(0) && !b.hasOffload(2), "neighbours untouched");
        io.virtwire.virtio.net.VirtioNetHeader h = new io.virtwire.virtio.net.VirtioNetHeader().wrap(b.data(), b.headerOffset(1));
        assertEquals(66, h.hdrLen());
        assertEquals(1448, h.gsoSize());
        assertEquals(34, h.csumStart());
        assertEquals(16, h.csumOffset());
        // a slot reused after clear() starts with a zero header again, whatever the last frame there carried
        b.clear();
        b.append(60);
        b.append(60);
        assertTrue(!b.hasOffload(1));
        assertEquals(0, h.hdrLen());
        assertEquals(0, h.csumStart());
    }

    @Test
    void largeSlotsHoldA64KibGsoFrameAndDoNotAlias() {
        PacketBurst b = new PacketBurst(3, PacketBurst.LARGE_SLOT_SIZE);
        assertEquals(PacketBurst.LARGE_SLOT_SIZE, b.slotSize());
        byte[] big = new byte[14 + 4 + 40 + 65535];
        java.util.Arrays.fill(big, (byte) 7);
        b.add(big);
        b.add(big);
        assertArrayEquals(big, b.frame(0));
        assertEquals(0, b.offset(1) % 64);
        assertTrue((b.offset(1) - b.offset(0)) % 4096 != 0, "slot stride is not a multiple of a page");
        assertThrows(IllegalArgumentException.class, () -> new PacketBurst().append(PacketBurst.SLOT_SIZE + 1));
        assertThrows(IllegalArgumentException.class, () -> new PacketBurst(2, PacketBurst.LARGE_SLOT_SIZE + 64));
        b.setLastLength(100);
        assertEquals(100, b.length(1));
    }
}
