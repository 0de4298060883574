package io.virtwire.vhostuser.net;

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
}
