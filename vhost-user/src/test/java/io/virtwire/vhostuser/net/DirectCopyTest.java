package io.virtwire.vhostuser.net;

import io.virtwire.linux.Memfd;
import io.virtwire.vhostuser.frontend.GuestRam;
import io.virtwire.virtio.net.HeldFrames;
import io.virtwire.virtio.net.PacketBurst;
import io.virtwire.virtio.net.VirtioNetHeader;
import io.virtwire.virtio.queue.GuestCopy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One copy from guest A to guest B ({@link VhostUserNetDevice#fromGuestHeld} → {@link VhostUserNetDevice#toGuestDirect}):
 * frames arrive whole and in order, A's buffers are given back only after B's copy, and a hostile A that rewrites
 * its descriptors, its ring, its frames' heads, its memory table or shrinks its memory while its frames are held
 * reaches nothing but its own buffers (B's other memory untouched, B not broken).
 */
@Timeout(60)
class DirectCopyTest {

    private static final byte[] NO_OFFLOAD = new byte[VirtioNetHeader.SIZE];
    /** LOW ends and NEXT begins here in GuestRam.standard: a buffer at NEXT_START - 32 crosses two mappings. */
    private static final long NEXT_START = 0x10_0000;
    /** A's transmit buffers in these tests: the HIGH region (memfd 2), one per 4 KiB. */
    private static final long TX = 0x1_0000_0000L;
    /** A's transmit descriptor table and avail ring (GuestNet: rings at 0x1000, transmit ring 0x8000 above). */
    private static final long TX_DESC = 0x9000;
    private static final long TX_AVAIL = 0x9000 + 0x2000;

    private static NetTestHarness guest(String name) throws Exception {
        return new NetTestHarness(name, false, true, true);
    }

    @Test
    void framesGoGuestToGuestInOneCopyAndTheSendersBuffersComeBackOnlyAfterIt() throws Exception {
        try (NetTestHarness a = guest("vw-h8-dc-a"); NetTestHarness b = guest("vw-h8-dc-b")) {
            b.guest.postReceiveBuffers(40, 2048); // pair 0's buffers straddle LOW/NEXT: some take the general path
            List<byte[]> sent = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                byte[] f = GuestNet.frame(60 + 37 * i, i);
                switch (i) {
                    case 4 -> a.guest.send(f);                                          // header and data apart
                    case 9 -> a.guest.sendOneBufferAt(NEXT_START - 32, NO_OFFLOAD, f);  // across two regions
                    case 12 -> f = send(a, TX + i * 0x1000L, GuestNet.frame(14, i));    // shorter than the head
                    default -> send(a, TX + i * 0x1000L, f);
                }
                sent.add(f);
            }
            PacketBurst burst = new PacketBurst(64);
            assertEquals(30, a.device.fromGuestHeld(0, burst));
            assertNotNull(burst.heldBy(), "usual frames stay in A's buffers");
            assertEquals(0, a.guest.reapTransmitted(), "A's chains are held, not returned");

            assertEquals(30, b.device.toGuestDirect(burst));
            assertEquals(0, a.guest.reapTransmitted(), "still held until the burst lets go");
            // B's first buffer crosses LOW/NEXT, so frame 0 went the general way; frame 1's buffer is one region
            byte[] rest = Arrays.copyOfRange(burst.frame(1), HeldFrames.HEAD, sent.get(1).length);
            assertArrayEquals(new byte[rest.length], rest, "frame 1's rest never passed through the burst");
            assertArrayEquals(Arrays.copyOfRange(sent.get(0), HeldFrames.HEAD, sent.get(0).length),
                    Arrays.copyOfRange(burst.frame(0), HeldFrames.HEAD, sent.get(0).length),
                    "frame 0 (general path) was made whole in the burst first");

            burst.releaseHeld();
            assertNull(burst.heldBy());
            assertEquals(30, a.guest.reapTransmitted(), "A gets every buffer back once B's copies are done");
            List<byte[]> got = b.receive(30, Duration.ofSeconds(5));
            assertEquals(30, got.size());
            for (int i = 0; i < 30; i++) {
                assertArrayEquals(sent.get(i), got.get(i), "frame " + i);
            }
            for (byte[] h : b.guest.headers) {
                assertEquals(1, ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN).getShort(10), "num_buffers");
            }
            assertEquals(30, b.device.toGuestFrames());
            // all but frame 0 (B's buffer across regions), 4 (A's header apart), 9 (A's buffer across regions)
            // and 12 (no rest to hold) went straight from A's buffer
            assertEquals(26, b.device.toGuestDirectFrames());
            assertFalse(a.device.isBroken());
            assertFalse(b.device.isBroken());
        }
    }

    @Test
    void aBurstMadeWholeCarriesEveryByteAndReleasesTheSender() throws Exception {
        try (NetTestHarness a = guest("vw-h8-wh-a")) {
            byte[] f = GuestNet.frame(1000, 3);
            send(a, TX, f);
            PacketBurst burst = new PacketBurst(64);
            assertEquals(1, a.device.fromGuestHeld(0, burst));
            burst.makeWhole();
            assertNull(burst.heldBy());
            assertArrayEquals(f, burst.frame(0));
            assertEquals(1, a.guest.reapTransmitted());
        }
    }

    /**
     * A held burst given to the staged {@code toGuest} is made whole first (whole frames, A's chains back), and
     * while it is held the same pair gives nothing more (its chains are the held ones), then drains as usual.
     */
    @Test
    void aHeldBurstIsMadeWholeByTheStagedPathAndBlocksFurtherDrainsOfItsPairUntilThen() throws Exception {
        try (NetTestHarness a = guest("vw-h8-st-a"); NetTestHarness b = guest("vw-h8-st-b")) {
            b.guest.postReceiveBuffers(8, 2048);
            List<byte[]> sent = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                sent.add(send(a, TX + i * 0x1000L, GuestNet.frame(500 + i, i)));
            }
            PacketBurst burst = new PacketBurst(64);
            assertEquals(3, a.device.fromGuestHeld(0, burst));
            for (int i = 3; i < 5; i++) {
                send(a, TX + i * 0x1000L, GuestNet.frame(90, i));
            }
            PacketBurst other = new PacketBurst(64);
            assertEquals(0, a.device.fromGuest(0, other), "the pair's chains are held");
            assertEquals(0, a.device.fromGuestHeld(0, other));
            assertEquals(3, b.device.toGuest(burst));
            assertNull(burst.heldBy());
            assertEquals(3, a.guest.reapTransmitted());
            List<byte[]> got = b.receive(3, Duration.ofSeconds(5));
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(sent.get(i), got.get(i), "frame " + i + " whole");
            }
            assertEquals(0, b.device.toGuestDirectFrames());
            assertEquals(2, a.device.fromGuest(0, other), "drains again once the burst let go");
        }
    }

    /**
     * While its frames are held A rewrites its descriptor table and avail ring (pointing at its rings, past its
     * memory, with huge lengths) and the heads and payloads of its frames. B must get the lengths and buffers A
     * gave when its chains were taken, the heads the switch classified, and nothing else of A's or of anyone's.
     */
    @Test
    void aSenderRewritingItsDescriptorsRingAndHeadsDuringTheCopyReachesOnlyItsOwnBuffers() throws Exception {
        try (NetTestHarness a = guest("vw-h8-rw-a"); NetTestHarness b = guest("vw-h8-rw-b")) {
            b.guest.postReceiveBuffers(8, 2048);
            fill(b.ram, TX, 0x1_0000, (byte) 0xC3); // B's memory that is none of its receive buffers
            List<byte[]> sent = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                sent.add(send(a, TX + i * 0x1000L, GuestNet.frame(200, i)));
            }
            PacketBurst burst = new PacketBurst(64);
            assertEquals(8, a.device.fromGuestHeld(0, burst));

            // the hostile part: every descriptor now points at A's rings or past its memory, 4 GiB long
            ByteBuffer d = ByteBuffer.allocate(16 * 256).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < 256; i++) {
                d.putLong(i % 2 == 0 ? 0 : 0x7_0000_0000L).putInt(-1).putShort((short) 0).putShort((short) 0);
            }
            write(a.ram, TX_DESC, d.array());
            write(a.ram, TX_AVAIL, new byte[] {0, 0, (byte) 0xFF, (byte) 0x7F, 1, 0, 2, 0}); // idx far ahead
            for (int i = 0; i < 8; i++) {
                byte[] junk = new byte[200];
                Arrays.fill(junk, (byte) 0x5A);
                write(a.ram, TX + i * 0x1000L + VirtioNetHeader.SIZE, junk);
            }

            assertEquals(8, b.device.toGuestDirect(burst));
            burst.releaseHeld();
            List<byte[]> got = b.receive(8, Duration.ofSeconds(5));
            assertEquals(8, got.size());
            for (int i = 0; i < 8; i++) {
                byte[] g = got.get(i);
                assertEquals(200, g.length, "the length A gave when the chain was taken");
                assertArrayEquals(Arrays.copyOf(sent.get(i), HeldFrames.HEAD), Arrays.copyOf(g, HeldFrames.HEAD),
                        "the head the switch classified, not the rewritten one");
                byte[] junk = new byte[200 - HeldFrames.HEAD];
                Arrays.fill(junk, (byte) 0x5A);
                assertArrayEquals(junk, Arrays.copyOfRange(g, HeldFrames.HEAD, 200),
                        "the rest from A's own buffer, where the chain pointed when it was taken");
            }
            assertArrayEquals(filled(0x1_0000, (byte) 0xC3), read(b.ram, TX, 0x1_0000), "B's other memory untouched");
            assertFalse(b.device.isBroken());
        }
    }

    /** A's SET_MEM_TABLE pauses A's rings: it waits for the held burst, so A's mappings stay under the copy. */
    @Test
    void aSendersMemoryTableChangeWaitsUntilTheCopyIsDone() throws Exception {
        try (NetTestHarness a = guest("vw-h8-mt-a"); NetTestHarness b = guest("vw-h8-mt-b");
             GuestRam other = GuestRam.standard("vw-h8-mt-a2")) {
            b.guest.postReceiveBuffers(4, 2048);
            byte[] f = send(a, TX, GuestNet.frame(1400, 9));
            PacketBurst burst = new PacketBurst(64);
            assertEquals(1, a.device.fromGuestHeld(0, burst));
            CompletableFuture<Void> change = CompletableFuture.runAsync(() -> {
                try {
                    a.frontend.setMemTable(other);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(300);
            assertFalse(change.isDone(), "the memory table must not change while A's frames are held");
            assertEquals(1, b.device.toGuestDirect(burst));
            burst.releaseHeld();
            change.get(10, TimeUnit.SECONDS);
            List<byte[]> got = b.receive(1, Duration.ofSeconds(5));
            assertEquals(1, got.size());
            assertArrayEquals(f, got.get(0));
        }
    }

    /** A shrinks the memfd under its held frames: A is broken, B (whose copy faulted on A's memory) is not. */
    @Test
    void aSenderShrinkingItsMemoryDuringTheCopyBreaksOnlyTheSender() throws Exception {
        try (NetTestHarness a = guest("vw-h8-sh-a"); NetTestHarness b = guest("vw-h8-sh-b")) {
            useTheBufferAcrossRegions(b); // so the copies below are the direct ones, which fault on A's memory
            b.guest.postReceiveBuffers(4, 2048);
            send(a, TX, GuestNet.frame(1000, 1));
            send(a, TX + 0x1000, GuestNet.frame(1000, 2));
            PacketBurst burst = new PacketBurst(64);
            assertEquals(2, a.device.fromGuestHeld(0, burst));
            Memfd.truncate(a.ram.fd(2), 0);
            assertEquals(0, b.device.toGuestDirect(burst));
            burst.releaseHeld();
            assertTrue(a.device.isBroken(), "the sender's fault breaks the sender");
            assertTrue(a.device.brokenReason().contains("fault"), a.device.brokenReason());
            assertFalse(b.device.isBroken(), b.device.brokenReason());
            assertEquals(2, b.device.toGuestDropped());
            // B works on: a frame from elsewhere reaches it
            PacketBurst plain = new PacketBurst();
            plain.add(GuestNet.frame(100, 5));
            assertEquals(1, b.device.toGuest(plain));
        }
    }

    /**
     * A hostile A keeps rewriting its descriptors and avail ring (wild addresses and lengths) from another thread
     * while bursts go A → B directly: whatever A's chains say, B's memory outside its receive buffers stays as it
     * was, and nothing but A can be broken by it.
     */
    @Test
    void aSenderRewritingItsRingConcurrentlyNeverReachesTheReceiversOtherMemory() throws Exception {
        try (NetTestHarness a = guest("vw-h8-fz-a"); NetTestHarness b = guest("vw-h8-fz-b")) {
            fill(b.ram, TX, 0x1_0000, (byte) 0xC3);
            AtomicBoolean stop = new AtomicBoolean();
            Thread hostile = Thread.ofPlatform().start(() -> {
                java.util.Random r = new java.util.Random(21);
                ByteBuffer d = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
                while (!stop.get()) {
                    d.clear();
                    long[] addrs = {0, 0x10_0000 - 8, TX - 4, 0x7_0000_0000L, TX + r.nextInt(0x10_0000)};
                    d.putLong(addrs[r.nextInt(addrs.length)]).putInt(r.nextInt(4) == 0 ? -1 : r.nextInt(20000))
                            .putShort((short) r.nextInt(8)).putShort((short) r.nextInt(256));
                    write(a.ram, TX_DESC + 16L * r.nextInt(256), d.array());
                }
            });
            try {
                PacketBurst burst = new PacketBurst(64);
                for (int round = 0; round < 200 && !a.device.isBroken(); round++) {
                    b.guest.postReceiveBuffers(4, 2048);
                    for (int i = 0; i < 4; i++) {
                        send(a, TX + ((round * 4 + i) % 64) * 0x1000L, GuestNet.frame(300, i));
                    }
                    burst.clear();
                    a.device.fromGuestHeld(0, burst);
                    b.device.toGuestDirect(burst);
                    burst.releaseHeld();
                    a.guest.reapTransmitted();
                    b.guest.receive();
                }
            } finally {
                stop.set(true);
                hostile.join();
            }
            assertArrayEquals(filled(0x1_0000, (byte) 0xC3), read(b.ram, TX, 0x1_0000), "B's other memory untouched");
            assertFalse(b.device.isBroken(), b.device.brokenReason());
        }
    }

    // ------------------------------------------------------------------------------------------ helpers

    /**
     * B's receive area starts 0x300 bytes below the LOW/NEXT boundary: a first buffer of exactly that size, used
     * up by a plain frame, leaves B's next buffers each in one region (the direct path's usual case).
     */
    private static void useTheBufferAcrossRegions(NetTestHarness b) throws Exception {
        b.guest.postReceiveBuffers(1, 0x300);
        PacketBurst plain = new PacketBurst();
        plain.add(GuestNet.frame(100, 0));
        assertEquals(1, b.device.toGuest(plain));
        assertEquals(1, b.receive(1, Duration.ofSeconds(5)).size());
    }

    /** Sends {@code frame} in one buffer at {@code gpa} of A's memory (header first), returns it. */
    private static byte[] send(NetTestHarness h, long gpa, byte[] frame) throws Exception {
        h.guest.sendOneBufferAt(gpa, NO_OFFLOAD, frame);
        return frame;
    }

    private static void write(GuestRam ram, long gpa, byte[] bytes) {
        assertEquals(bytes.length, GuestCopy.toGuest(ram.memory(), MemorySegment.ofArray(bytes), 0, gpa, bytes.length));
    }

    private static byte[] read(GuestRam ram, long gpa, int length) {
        byte[] out = new byte[length];
        assertEquals(length, GuestCopy.fromGuest(ram.memory(), gpa, MemorySegment.ofArray(out), 0, length));
        return out;
    }

    private static void fill(GuestRam ram, long gpa, int length, byte value) {
        write(ram, gpa, filled(length, value));
    }

    private static byte[] filled(int length, byte value) {
        byte[] b = new byte[length];
        Arrays.fill(b, value);
        return b;
    }
}
