package io.virtwire.vhostuser.net;

import io.virtwire.vhostuser.protocol.VirtioFeature;
import io.virtwire.virtio.net.PacketBurst;
import io.virtwire.virtio.net.VirtioNetHeader;
import io.virtwire.virtio.queue.GuestCopy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The device copies the usual frames (one buffer in one region) in batches and everything else the general way;
 * these tests mix both inside one burst and check that order, drops and returned buffers come out as if every
 * frame had been taken one at a time.
 */
@Timeout(60)
class BatchedCopyTest {

    /** LOW ends and NEXT begins here in GuestRam.standard: a buffer at NEXT_START - 32 crosses two mappings. */
    private static final long NEXT_START = 0x10_0000;
    private static final byte[] NO_OFFLOAD = new byte[VirtioNetHeader.SIZE];

    /** NEEDS_CSUM with csum_start 65535: outside any of these frames. */
    private static byte[] checksumOutsideTheFrame() {
        byte[] h = new byte[VirtioNetHeader.SIZE];
        h[0] = VirtioNetHeader.F_NEEDS_CSUM;
        h[6] = (byte) 0xFF;
        h[7] = (byte) 0xFF;
        return h;
    }

    /**
     * A guest that negotiated CSUM has its header read and checked: one pointing outside the frame is refused, the
     * frame dropped, and the frames after it close the gap. A guest that negotiated nothing cannot ask for anything:
     * its header is not read, and the same frames go on with a zero header.
     */
    @ParameterizedTest(name = "guest negotiated CSUM: {0}")
    @ValueSource(booleans = {true, false})
    void transmittedBurstKeepsTheGuestsOrderAcrossDropsAndUnusualBuffers(boolean csum) throws Exception {
        long offloads = csum ? VirtioFeature.VIRTIO_NET_F_CSUM.mask() : 0;
        try (NetTestHarness h = new NetTestHarness("vw-batch-tx", false, true, true, offloads)) {
            List<byte[]> expected = new ArrayList<>();
            int sent = 0;
            for (int i = 0; i < 30; i++) {
                byte[] f = GuestNet.frame(60 + 7 * i, i);
                switch (i) {
                    case 3, 20 -> {
                        h.guest.sendOneBuffer(checksumOutsideTheFrame(), f);            // refused if read
                        if (!csum) {
                            expected.add(f);
                        }
                    }
                    case 13 -> h.guest.sendOneBuffer(NO_OFFLOAD, new byte[0]);            // header only
                    case 7 -> {
                        h.guest.send(f);                                                  // header and data apart
                        expected.add(f);
                    }
                    case 11 -> {
                        h.guest.sendOneBufferAt(NEXT_START - 32, NO_OFFLOAD, f);          // across two regions
                        expected.add(f);
                    }
                    default -> {
                        h.guest.sendOneBuffer(NO_OFFLOAD, f);
                        expected.add(f);
                    }
                }
                sent++;
            }
            PacketBurst burst = new PacketBurst();
            assertEquals(expected.size(), h.device.fromGuest(burst));
            assertEquals(expected.size(), burst.count());
            for (int i = 0; i < expected.size(); i++) {
                assertArrayEquals(expected.get(i), burst.frame(i), "frame " + i + " in the guest's order");
                assertFalse(burst.hasOffload(i), "frame " + i + " carries a zero header");
            }
            assertEquals(csum ? 3 : 1, h.device.fromGuestDropped());
            assertEquals(csum ? 2 : 0, h.device.offloadRefused());
            assertEquals(sent, h.guest.reapTransmitted(), "every chain, kept or dropped, is returned once");
            assertFalse(h.device.isBroken(), h.device.brokenReason());
        }
    }

    @Test
    void receiveBatchFillsBuffersInOrderAndDropsWhatFindsNone() throws Exception {
        try (NetTestHarness h = new NetTestHarness("vw-batch-rx", false, true, true)) {
            PacketBurst burst = new PacketBurst();
            List<byte[]> frames = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                frames.add(GuestNet.frame(64 + 50 * i, i));
                burst.add(frames.get(i));
            }
            // the first buffer straddles the LOW/NEXT boundary (the general path), the others sit in NEXT
            h.guest.postReceiveBuffers(12, 2048);
            assertEquals(12, h.device.toGuest(burst));
            assertEquals(8, h.device.toGuestDropped(), "no buffers left for the last eight");
            List<byte[]> got = h.guest.receive();
            assertEquals(12, got.size());
            for (int i = 0; i < 12; i++) {
                assertArrayEquals(frames.get(i), got.get(i), "frame " + i);
                assertEquals(1, numBuffers(h.guest.headers.get(i)), "frame " + i + " fits one buffer");
            }

            // again, with a buffer too short for its frame in the middle: merged with the next one, in order
            h.guest.postReceiveBuffers(5, 2048);
            h.guest.postReceiveBuffers(1, 100);
            h.guest.postReceiveBuffers(20, 2048);
            assertEquals(20, h.device.toGuest(burst));
            got = h.guest.receive();
            assertEquals(20, got.size());
            for (int i = 0; i < 20; i++) {
                assertArrayEquals(frames.get(i), got.get(i), "frame " + i + " of the second burst");
                assertEquals(i == 5 ? 2 : 1, numBuffers(h.guest.headers.get(12 + i)), "buffers used by frame " + i);
            }
            assertFalse(h.device.isBroken(), h.device.brokenReason());
        }
    }

    /**
     * A buffer whose frame starts on a cache line has its 12-byte header stored apart, and only where it differs
     * from what the buffer holds: whatever each held before, every frame arrives behind exactly the header the
     * burst gave it.
     */
    @Test
    void headersStoredApartAreRightWhateverTheBufferHeldBefore() throws Exception {
        byte[] right = GuestNet.oneBufferHeader();
        byte[][] before = GuestNet.staleHeaders();
        int n = 12;
        try (NetTestHarness h = new NetTestHarness("vw-batch-head", false, true, true)) {
            // first the buffer across the LOW/NEXT boundary, used up on its own (a batch stops at it); then, in
            // NEXT, one buffer 52 bytes longer than the rest: the ones after it start 12 bytes before a cache line,
            // where a DPDK guest's headers are
            h.guest.postReceiveBuffers(1, 0x300);
            PacketBurst one = new PacketBurst();
            one.add(GuestNet.frame(100, 99));
            assertEquals(1, h.device.toGuest(one));
            assertEquals(1, h.guest.receive().size());
            long firstUsual = NEXT_START + 2048 + 64 - VirtioNetHeader.SIZE;
            for (int i = 0; i < n; i++) {
                byte[] b = before[i % before.length];
                long gpa = firstUsual + i * 2048L;
                assertEquals(b.length, GuestCopy.toGuest(h.ram.memory(), MemorySegment.ofArray(b), 0, gpa, b.length));
            }
            h.guest.postReceiveBuffers(1, (int) (firstUsual - NEXT_START));
            h.guest.postReceiveBuffers(n, 2048);
            PacketBurst burst = new PacketBurst();
            List<byte[]> frames = new ArrayList<>();
            for (int i = 0; i <= n; i++) {
                frames.add(GuestNet.frame(64 + 9 * i, i));
                burst.add(frames.get(i));
            }
            assertEquals(n + 1, h.device.toGuest(burst));
            List<byte[]> got = h.guest.receive();
            assertEquals(n + 1, got.size());
            for (int i = 1; i <= n; i++) {
                assertArrayEquals(frames.get(i), got.get(i), "frame " + i);
                assertArrayEquals(right, h.guest.headers.get(1 + i), "header of frame " + i + " over "
                        + Arrays.toString(before[(i - 1) % before.length]));
            }
            assertFalse(h.device.isBroken(), h.device.brokenReason());
        }
    }

    private static int numBuffers(byte[] header) {
        return Short.toUnsignedInt(ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).getShort(VirtioNetHeader.NUM_BUFFERS));
    }
}
