package io.virtwire.virtio.net;

import io.virtwire.memory.GuestMemory;
import io.virtwire.memory.GuestRegion;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CopyBatchTest {

    private static final long GPA = 0x10_0000;
    private static final byte GUARD = (byte) 0xEE;

    private final Arena arena = Arena.ofAuto();
    /** The region and, after it, bytes that are not guest memory. */
    private final MemorySegment mapped = arena.allocate(4096 + 256, 64);
    private final MemorySegment guestBytes = mapped.asSlice(0, 4096);
    private final GuestMemory memory = new GuestMemory(List.of(new GuestRegion(GPA, 4096, 0x7f00_0000_0000L, guestBytes)));
    private final PacketBurst burst = new PacketBurst(4, 2048);

    @BeforeEach
    void guestBytesStartOnALine() {
        // the offsets below are cache-line positions only if the region starts on a line
        assertEquals(0, guestBytes.address() % 64);
    }

    @Test
    void eachCopyLandsWholeWhereverItsBufferStartsAndNothingAroundIt() {
        guestBytes.fill(GUARD);
        // header and frame at the burst's layout into: a buffer whose frame starts on a line (a DPDK guest's), one
        // starting 40 bytes into a line, one whose header starts on a line, and frames shorter and longer than a line
        long[] guestAt = {128 - VirtioNetHeader.SIZE, 1000, 2048 - VirtioNetHeader.SIZE, 3584};
        int[] frameLength = {64, 1, 1514, 64};
        CopyBatch batch = new CopyBatch();
        batch.clear();
        for (int i = 0; i < guestAt.length; i++) {
            int slot = burst.append(frameLength[i]);
            long at = burst.offset(slot) - VirtioNetHeader.SIZE;
            for (int b = 0; b < VirtioNetHeader.SIZE + frameLength[i]; b++) {
                burst.data().set(ValueLayout.JAVA_BYTE, at + b, (byte) (i * 31 + b));
            }
            assertTrue(batch.add(memory, 0, GPA + guestAt[i], at, VirtioNetHeader.SIZE + frameLength[i]));
        }

        batch.copyToGuest(burst.data());

        byte[] expected = new byte[4096];
        Arrays.fill(expected, GUARD);
        for (int i = 0; i < guestAt.length; i++) {
            for (int b = 0; b < VirtioNetHeader.SIZE + frameLength[i]; b++) {
                expected[(int) guestAt[i] + b] = (byte) (i * 31 + b);
            }
        }
        assertArrayEquals(expected, guestBytes.toArray(ValueLayout.JAVA_BYTE));
    }

    @Test
    void aCopyEndingBeforeTheNextLineIsCopiedWhole() {
        guestBytes.fill(GUARD);
        burst.append(0);
        long at = burst.offset(0) - VirtioNetHeader.SIZE;
        burst.data().asSlice(at, 5).fill((byte) 7);
        CopyBatch batch = new CopyBatch();
        batch.clear();
        batch.add(memory, 0, GPA + 200, at, 5);

        batch.copyToGuest(burst.data());

        assertArrayEquals(new byte[] {7, 7, 7, 7, 7}, guestBytes.asSlice(200, 5).toArray(ValueLayout.JAVA_BYTE));
        assertEquals(GUARD, guestBytes.get(ValueLayout.JAVA_BYTE, 199));
        assertEquals(GUARD, guestBytes.get(ValueLayout.JAVA_BYTE, 205));
    }

    @Test
    void aRangeLeavingTheRegionFailsWithoutWritingPastIt() {
        // the ranges are validated when the chains are walked; this is the second line of defence: every part of
        // the copy is range-checked, so a range that leaves the region stops at its end. The region here ends 58
        // bytes into a line, so that each part can be the one that crosses the end.
        long size = 4090;
        MemorySegment shortRegion = mapped.asSlice(0, size);
        GuestMemory shortMemory = new GuestMemory(List.of(new GuestRegion(GPA, size, 0x7f00_0000_0000L, shortRegion)));
        mapped.fill(GUARD);
        burst.append(64);
        long at = burst.offset(0) - VirtioNetHeader.SIZE;
        burst.data().asSlice(at, VirtioNetHeader.SIZE + 64).fill((byte) 1);
        CopyBatch batch = new CopyBatch();
        // a 12-byte head (two plain stores) crossing the end; a 46-byte head (a copy) crossing it; a 12-byte head
        // inside, the rest crossing it
        for (long start : new long[] {size - 6, size - 40, size - 70}) {
            batch.clear();
            batch.add(shortMemory, 0, GPA + start, at, VirtioNetHeader.SIZE + 64);

            assertThrows(IndexOutOfBoundsException.class, () -> batch.copyToGuest(burst.data()), "from " + start);
            byte[] past = new byte[(int) (mapped.byteSize() - size)];
            Arrays.fill(past, GUARD);
            assertArrayEquals(past, mapped.asSlice(size).toArray(ValueLayout.JAVA_BYTE), "past the region, from " + start);
        }
    }
}
