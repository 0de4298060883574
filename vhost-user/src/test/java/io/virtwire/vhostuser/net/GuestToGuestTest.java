package io.virtwire.vhostuser.net;

import io.virtwire.linux.Memfd;
import io.virtwire.vhostuser.frontend.GuestRam;
import io.virtwire.vhostuser.protocol.VirtioFeature;
import io.virtwire.virtio.net.ForwardCounts;
import io.virtwire.virtio.net.FrameRoute;
import io.virtwire.virtio.net.PacketBurst;
import io.virtwire.virtio.net.VirtioNetHeader;
import io.virtwire.virtio.queue.GuestCopy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.virtwire.vhostuser.net.Routes.byHeads;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static io.virtwire.vhostuser.net.Routes.to;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Guest to guest in one copy ({@link VhostUserNetDevice#forwardTo}): frames arrive whole, in order and counted as
 * the staged way would have, the unusual ones take the general way in line, and a hostile sender (descriptors
 * rewritten under the copy, memory shrunk) or receiver (memory shrunk) breaks only itself.
 */
@Timeout(60)
class GuestToGuestTest {

    private static final byte[] NO_OFFLOAD = new byte[VirtioNetHeader.SIZE];
    /** LOW ends and NEXT begins here in GuestRam.standard: a buffer at NEXT_START - 32 crosses two mappings. */
    private static final long NEXT_START = 0x10_0000;
    /** A's transmit buffers in these tests: the HIGH region (memfd 2), one per 4 KiB. */
    private static final long TX = 0x1_0000_0000L;
    /** A's transmit descriptor table (GuestNet: rings at 0x1000, the transmit ring 0x8000 above). */
    private static final long TX_DESC = 0x9000;

    /**
     * A guest; its sends taken as plain records where {@link #plainRecords()} (the test memfds are on 4 KiB pages,
     * where the path would take chains).
     */
    NetTestHarness guest(String name) throws Exception {
        NetTestHarness h = new NetTestHarness(name, false, true, true);
        if (plainRecords()) {
            h.device.recordsOnAnyPages();
        }
        return h;
    }

    /** Whether these tests run the plain-records walk (see {@link GuestToGuestRecordsTest}) rather than chains. */
    boolean plainRecords() {
        return false;
    }

    @Test
    void usualFramesGoInOneCopyAndTheUnusualOnesTheGeneralWayInOrder() throws Exception {
        try (NetTestHarness a = guest("vw-g2g-a"); NetTestHarness b = guest("vw-g2g-b")) {
            useTheBufferAcrossRegions(b);
            b.guest.postReceiveBuffers(30, 2048);
            List<byte[]> sent = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                byte[] f = GuestNet.frame(60 + 37 * i, i);
                switch (i) {
                    case 20 -> a.guest.send(f);                                          // header and data apart
                    case 25 -> a.guest.sendOneBufferAt(NEXT_START - 32, NO_OFFLOAD, f);  // across two regions
                    default -> send(a, TX + i * 0x1000L, f);
                }
                sent.add(f);
            }
            ForwardCounts counts = new ForwardCounts();
            PacketBurst burst = new PacketBurst(64);
            assertTrue(a.device.forwardTo(0, to(b.device), burst, counts));

            assertEquals(30, counts.taken());
            assertEquals(30, counts.delivered());
            long bytes = sent.stream().mapToLong(f -> f.length).sum();
            assertEquals(bytes, counts.takenBytes());
            assertEquals(bytes, counts.deliveredBytes());
            assertEquals(30, a.guest.reapTransmitted(), "A gets every buffer back");
            List<byte[]> got = b.receive(30, Duration.ofSeconds(5));
            assertEquals(30, got.size());
            for (int i = 0; i < 30; i++) {
                assertArrayEquals(sent.get(i), got.get(i), "frame " + i + ", in A's order");
            }
            for (byte[] h : b.guest.headers.subList(1, 31)) {
                byte[] expected = new byte[VirtioNetHeader.SIZE];
                expected[10] = 1; // num_buffers 1, everything else zero: A sends no offloads
                assertArrayEquals(expected, h, "header");
            }
            // frames 0..19 straight from A's buffers; from 20 (header apart) on, the rest of the call was staged
            assertEquals(20, b.device.toGuestDirectFrames());
            assertEquals(31, b.device.toGuestFrames());
            assertEquals(30, a.device.fromGuestFrames());
            assertFalse(a.device.isBroken());
            assertFalse(b.device.isBroken());
        }
    }

    /**
     * B's header is written only where it differs from the one its frame needs (a recycled buffer's line stays
     * shared with the guest's core when nothing changes): whatever each buffer held before, its frame arrives
     * behind exactly no offloads and num_buffers 1.
     */
    @Test
    void everyReceiveBufferGetsTheRightHeaderWhateverItHeldBefore() throws Exception {
        byte[] right = GuestNet.oneBufferHeader();
        byte[][] before = GuestNet.staleHeaders();
        int n = 2 * before.length;
        try (NetTestHarness a = guest("vw-g2g-hdr-a"); NetTestHarness b = guest("vw-g2g-hdr-b")) {
            useTheBufferAcrossRegions(b);
            for (int i = 0; i < n; i++) {
                write(b.ram, NEXT_START + i * 2048L, before[i % before.length]);
            }
            b.guest.postReceiveBuffers(n, 2048);
            List<byte[]> sent = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                sent.add(send(a, TX + i * 0x1000L, GuestNet.frame(60 + 11 * i, i)));
            }
            assertTrue(a.device.forwardTo(0, to(b.device), new PacketBurst(64), new ForwardCounts()));

            List<byte[]> got = b.receive(n, Duration.ofSeconds(5));
            assertEquals(n, got.size());
            for (int i = 0; i < n; i++) {
                assertArrayEquals(sent.get(i), got.get(i), "frame " + i);
                assertArrayEquals(right, b.guest.headers.get(1 + i), "header of frame " + i + " over "
                        + Arrays.toString(before[i % before.length]));
            }
            assertEquals(n, b.device.toGuestDirectFrames(), "all of them in one copy");
        }
    }

    /**
     * Frames shorter than the early store of a frame's first 8 bytes (which starts the receiver's cache-line
     * transfer before the copies) go into buffers exactly their size: nothing is written past a buffer.
     */
    @Test
    void framesShorterThanTheEarlyStoreWriteNothingPastTheirBuffer() throws Exception {
        try (NetTestHarness a = guest("vw-g2g-short-a"); NetTestHarness b = guest("vw-g2g-short-b")) {
            useTheBufferAcrossRegions(b);
            long at = NEXT_START;
            for (int length = 1; length <= 9; length++) {
                int size = VirtioNetHeader.SIZE + length;
                byte[] canary = filled(16, (byte) 0x5A);
                write(b.ram, at + size, canary);
                b.guest.postReceiveBuffers(1, size);
                byte[] f = send(a, TX + length * 0x1000L, GuestNet.frame(length, length));
                assertTrue(a.device.forwardTo(0, to(b.device), new PacketBurst(64), new ForwardCounts()));
                assertArrayEquals(f, lastReceived(b, 5), length + "-byte frame");
                assertArrayEquals(canary, read(b.ram, at + size, canary.length), "past the buffer of a " + length
                        + "-byte frame");
                at += size;
            }
            assertEquals(9, b.device.toGuestDirectFrames(), "all of them in one copy");
        }
    }

    /**
     * A route that reads heads (a switch's) sees each frame's length and first 16 bytes; the sender rewrites its
     * frames right after (a VLAN tag, addresses): the receiver gets the heads the route saw, the rest as it is now.
     */
    @Test
    void theReceiverGetsTheHeadsTheRouteSawWhateverTheSenderWritesAfter() throws Exception {
        try (NetTestHarness a = guest("vw-g2g-ha"); NetTestHarness b = guest("vw-g2g-hb")) {
            useTheBufferAcrossRegions(b);
            b.guest.postReceiveBuffers(8, 2048);
            List<byte[]> sent = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                sent.add(send(a, TX + i * 0x1000L, GuestNet.frame(100 + i, i)));
            }
            List<byte[]> seen = new ArrayList<>();
            byte[] junk = filled(200, (byte) 0x5A);
            FrameRoute rewriteAfterLooking = byHeads(heads -> {
                for (int i = 0; i < heads.count(); i++) {
                    seen.add(heads.data().asSlice(heads.offset(i), FrameRoute.HEAD).toArray(ValueLayout.JAVA_BYTE));
                    assertEquals(100 + i, heads.length(i));
                    assertFalse(heads.hasOffload(i));
                    write(a.ram, TX + i * 0x1000L + VirtioNetHeader.SIZE, Arrays.copyOf(junk, 100 + i));
                }
                return b.device;
            });
            ForwardCounts counts = new ForwardCounts();
            assertTrue(a.device.forwardTo(0, rewriteAfterLooking, new PacketBurst(64), counts));
            assertEquals(8, counts.delivered());
            List<byte[]> got = b.receive(8, Duration.ofSeconds(5));
            for (int i = 0; i < 8; i++) {
                assertArrayEquals(Arrays.copyOf(sent.get(i), FrameRoute.HEAD), seen.get(i), "the route saw head " + i);
                byte[] expected = Arrays.copyOf(junk, 100 + i);
                System.arraycopy(sent.get(i), 0, expected, 0, FrameRoute.HEAD);
                assertArrayEquals(expected, got.get(i), "frame " + i + ": the classified head, then what A has now");
            }
            assertEquals(8, b.device.toGuestDirectFrames());
        }
    }

    @Test
    void aBatchTheRouteSendsNowhereIsLeftWholeInTheBurstForTheCaller() throws Exception {
        try (NetTestHarness a = guest("vw-g2g-la"); NetTestHarness b = guest("vw-g2g-lb")) {
            b.guest.postReceiveBuffers(8, 2048);
            List<byte[]> sent = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                sent.add(send(a, TX + i * 0x1000L, GuestNet.frame(90 + i, i)));
            }
            ForwardCounts counts = new ForwardCounts();
            PacketBurst burst = new PacketBurst(64);
            assertTrue(a.device.forwardTo(0, byHeads(heads -> null), burst, counts));
            assertEquals(5, counts.taken());
            assertNull(counts.peer());
            assertEquals(0, counts.toPeer());
            assertEquals(5, burst.count());
            for (int i = 0; i < 5; i++) {
                assertArrayEquals(sent.get(i), burst.frame(i), "frame " + i + " whole, in order");
                assertFalse(burst.hasOffload(i));
            }
            assertEquals(5, a.guest.reapTransmitted());
            assertEquals(0, b.device.toGuestFrames());
        }
    }

    /**
     * A frame whose head cannot be shown to the route (header apart from data) is never routed by heads: its batch
     * goes the staged way unasked. With chains the usual frame before it shares that batch; with plain records
     * (which stop at the first chain that is not plain) it is a batch of its own, which the route is asked about.
     */
    @Test
    void aFrameNotTheUsualCaseIsNeverRoutedByHeads() throws Exception {
        try (NetTestHarness a = guest("vw-g2g-ua"); NetTestHarness b = guest("vw-g2g-ub")) {
            send(a, TX, GuestNet.frame(90, 1));
            a.guest.send(GuestNet.frame(91, 2)); // header and data apart
            List<Integer> asked = new ArrayList<>();
            FrameRoute route = byHeads(heads -> {
                asked.add(heads.count());
                return null;
            });
            ForwardCounts counts = new ForwardCounts();
            PacketBurst burst = new PacketBurst(64);
            List<byte[]> staged = new ArrayList<>();
            while (staged.size() < 2) {
                burst.clear();
                assertTrue(a.device.forwardTo(0, route, burst, counts));
                assertTrue(burst.count() > 0, "a call that took nothing");
                for (int i = 0; i < burst.count(); i++) {
                    staged.add(burst.frame(i));
                }
            }
            assertArrayEquals(GuestNet.frame(90, 1), staged.get(0));
            assertArrayEquals(GuestNet.frame(91, 2), staged.get(1));
            assertEquals(plainRecords() ? List.of(1) : List.of(), asked);
            assertEquals(2, a.guest.reapTransmitted());
        }
    }

    /** Batch 1 to B, batch 2 routed to C: the call goes direct to one receiver, batch 2 is left to the caller. */
    @Test
    void aLaterBatchForAnotherReceiverIsLeftToTheCaller() throws Exception {
        try (NetTestHarness a = guest("vw-g2g-2a"); NetTestHarness b = guest("vw-g2g-2b");
             NetTestHarness c = guest("vw-g2g-2c")) {
            useTheBufferAcrossRegions(b);
            b.guest.postReceiveBuffers(40, 1024);
            List<byte[]> sent = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                sent.add(send(a, TX + i * 0x1000L, GuestNet.frame(64 + i, i)));
            }
            int[] batches = {0};
            ForwardCounts counts = new ForwardCounts();
            PacketBurst burst = new PacketBurst(64);
            assertTrue(a.device.forwardTo(0, byHeads(heads -> batches[0]++ == 0 ? b.device : c.device), burst, counts));
            assertEquals(40, counts.taken());
            assertEquals(b.device, counts.peer());
            assertEquals(32, counts.toPeer());
            assertEquals(32, counts.delivered());
            assertEquals(8, burst.count());
            for (int i = 0; i < 8; i++) {
                assertArrayEquals(sent.get(32 + i), burst.frame(i), "left frame " + i);
            }
            List<byte[]> got = b.receive(32, Duration.ofSeconds(5));
            assertEquals(32, got.size());
            for (int i = 0; i < 32; i++) {
                assertArrayEquals(sent.get(i), got.get(i));
            }
            assertEquals(0, c.device.toGuestFrames());
        }
    }

    @Test
    void aReceiverBufferThatIsNotTheUsualCaseTakesItsFrameTheGeneralWay() throws Exception {
        try (NetTestHarness a = guest("vw-g2g-ba"); NetTestHarness b = guest("vw-g2g-bb")) {
            b.guest.postReceiveBuffers(4, 2048); // the first crosses LOW/NEXT
            List<byte[]> sent = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                sent.add(send(a, TX + i * 0x1000L, GuestNet.frame(500 + i, i)));
            }
            ForwardCounts counts = new ForwardCounts();
            assertTrue(a.device.forwardTo(0, to(b.device), new PacketBurst(64), counts));
            assertEquals(4, counts.delivered());
            List<byte[]> got = b.receive(4, Duration.ofSeconds(5));
            for (int i = 0; i < 4; i++) {
                assertArrayEquals(sent.get(i), got.get(i), "frame " + i);
            }
            assertEquals(0, b.device.toGuestDirectFrames(), "frame 0's buffer was stashed, the rest followed it");
            // the next call, with B's buffers each in one region again, goes direct
            b.guest.postReceiveBuffers(2, 2048);
            send(a, TX, GuestNet.frame(64, 7));
            send(a, TX + 0x1000, GuestNet.frame(64, 8));
            assertTrue(a.device.forwardTo(0, to(b.device), new PacketBurst(64), counts));
            assertEquals(2, counts.delivered());
            assertEquals(2, b.device.toGuestDirectFrames());
            List<byte[]> more = b.receive(2, Duration.ofSeconds(5));
            assertArrayEquals(GuestNet.frame(64, 7), more.get(0));
            assertArrayEquals(GuestNet.frame(64, 8), more.get(1));
        }
    }

    @Test
    void framesBeyondTheReceiversBuffersAreDroppedAndCountedAsTheStagedWayDoes() throws Exception {
        try (NetTestHarness a = guest("vw-g2g-na"); NetTestHarness b = guest("vw-g2g-nb")) {
            useTheBufferAcrossRegions(b);
            b.guest.postReceiveBuffers(3, 2048);
            for (int i = 0; i < 5; i++) {
                send(a, TX + i * 0x1000L, GuestNet.frame(100, i));
            }
            ForwardCounts counts = new ForwardCounts();
            assertTrue(a.device.forwardTo(0, to(b.device), new PacketBurst(64), counts));
            assertEquals(5, counts.taken());
            assertEquals(3, counts.delivered());
            assertEquals(300, counts.deliveredBytes());
            assertEquals(5, a.guest.reapTransmitted(), "A's dropped frames' buffers come back too");
            List<byte[]> got = b.receive(3, Duration.ofSeconds(5));
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(GuestNet.frame(100, i), got.get(i));
            }
            assertEquals(2, b.device.toGuestDropped());
        }
    }

    @Test
    void aFrameLargerThanOneReceiveBufferIsMergedTheGeneralWay() throws Exception {
        try (NetTestHarness a = guest("vw-g2g-ma"); NetTestHarness b = guest("vw-g2g-mb")) {
            useTheBufferAcrossRegions(b);
            b.guest.postReceiveBuffers(12, 256);
            byte[] small = send(a, TX, GuestNet.frame(200, 1));
            byte[] big = send(a, TX + 0x1000, GuestNet.frame(1000, 2));
            byte[] after = send(a, TX + 0x2000, GuestNet.frame(100, 3));
            ForwardCounts counts = new ForwardCounts();
            assertTrue(a.device.forwardTo(0, to(b.device), new PacketBurst(64), counts));
            assertEquals(3, counts.delivered());
            List<byte[]> got = b.receive(3, Duration.ofSeconds(5));
            assertArrayEquals(small, got.get(0));
            assertArrayEquals(big, got.get(1), "merged over five buffers");
            assertArrayEquals(after, got.get(2));
            assertEquals(1, b.device.toGuestDirectFrames());
        }
    }

    @Test
    void itLeavesFramesToTheCallerOrDeclinesWhenTheStagedWayIsNeeded() throws Exception {
        long csum = VirtioFeature.VIRTIO_NET_F_CSUM.mask();
        try (NetTestHarness a = guest("vw-g2g-da"); NetTestHarness b = guest("vw-g2g-db");
             NetTestHarness offloading = new NetTestHarness("vw-g2g-do", false, true, true, csum)) {
            b.guest.postReceiveBuffers(4, 2048);
            send(a, TX, GuestNet.frame(100, 1));
            ForwardCounts counts = new ForwardCounts();
            PacketBurst burst = new PacketBurst(64);

            // B's only to-guest pair is busy on another thread: never wait for it, leave the frame to the caller
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Thread holder = Thread.ofPlatform().start(() -> {
                b.device.pair(0).lock.lock();
                held.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    b.device.pair(0).lock.unlock();
                }
            });
            held.await();
            boolean done;
            try {
                done = a.device.forwardTo(0, to(b.device), burst, counts);
            } finally {
                release.countDown();
                holder.join();
            }
            assertTrue(done);
            assertNull(counts.peer(), "not sent directly");
            assertEquals(1, burst.count(), "left whole for the caller's staged way");
            assertArrayEquals(GuestNet.frame(100, 1), burst.frame(0));
            assertEquals(1, a.guest.reapTransmitted());
            assertEquals(0, b.device.toGuestFrames());
            burst.clear();

            // a guest that sends offloads has its headers read: the staged way
            offloading.guest.sendOneBuffer(NO_OFFLOAD, GuestNet.frame(100, 2));
            assertFalse(offloading.device.forwardTo(0, to(b.device), burst, counts));
            assertEquals(0, offloading.guest.reapTransmitted());

            // a pending RARP announcement goes out the staged way first
            send(a, TX + 0x2000, GuestNet.frame(100, 3));
            a.device.sendRarp(new byte[] {2, 0, 0, 0, 0, 1});
            assertFalse(a.device.forwardTo(0, to(b.device), burst, counts));
            assertEquals(2, a.device.fromGuest(0, burst), "the announcement, then A's frame");
            burst.clear();

            send(a, TX + 0x1000, GuestNet.frame(100, 2));
            assertTrue(a.device.forwardTo(0, to(b.device), burst, counts));
            assertEquals(1, counts.delivered());
        }
    }

    /**
     * A hostile A keeps rewriting its descriptor table (its rings, past its memory, huge lengths) from another
     * thread while A → B runs: whatever its chains say when taken, B's memory outside its receive buffers stays as
     * it was, and B is never broken.
     */
    @Test
    void aSenderRewritingItsDescriptorsDuringTheCopiesNeverReachesTheReceiversOtherMemory() throws Exception {
        try (NetTestHarness a = guest("vw-g2g-fa"); NetTestHarness b = guest("vw-g2g-fb")) {
            fill(b.ram, TX, 0x1_0000, (byte) 0xC3); // B's memory that is none of its receive buffers
            fill(b.ram, 0x20000, 0x1_0000, (byte) 0xC3);
            AtomicBoolean stop = new AtomicBoolean();
            Thread hostile = Thread.ofPlatform().start(() -> {
                java.util.Random r = new java.util.Random(21);
                ByteBuffer d = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
                while (!stop.get()) {
                    d.clear();
                    long[] addrs = {0, NEXT_START - 8, TX - 4, 0x7_0000_0000L, TX + r.nextInt(0x10_0000), 0x20000};
                    d.putLong(addrs[r.nextInt(addrs.length)]).putInt(r.nextInt(4) == 0 ? -1 : r.nextInt(20000))
                            .putShort((short) r.nextInt(8)).putShort((short) r.nextInt(256));
                    write(a.ram, TX_DESC + 16L * r.nextInt(256), d.array());
                }
            });
            int delivered = 0;
            try {
                PacketBurst burst = new PacketBurst(64);
                ForwardCounts counts = new ForwardCounts();
                for (int round = 0; round < 300 && !a.device.isBroken(); round++) {
                    b.guest.postReceiveBuffers(4, 2048);
                    for (int i = 0; i < 4; i++) {
                        send(a, TX + ((round * 4 + i) % 64) * 0x1000L, GuestNet.frame(300, i));
                    }
                    burst.clear();
                    if (a.device.forwardTo(0, to(b.device), burst, counts)) {
                        delivered += counts.delivered();
                    }
                    a.guest.reapTransmitted();
                    b.guest.receive();
                }
            } finally {
                stop.set(true);
                hostile.join();
            }
            assertArrayEquals(filled(0x1_0000, (byte) 0xC3), read(b.ram, TX, 0x1_0000), "B's HIGH region untouched");
            assertArrayEquals(filled(0x1_0000, (byte) 0xC3), read(b.ram, 0x20000, 0x1_0000), "B's LOW region untouched");
            assertFalse(b.device.isBroken(), b.device.brokenReason());
            assertTrue(delivered > 0 || a.device.isBroken(), "frames went through, or A broke itself");
        }
    }

    @Test
    void aSenderWhoseMemoryShrankBreaksOnlyItself() throws Exception {
        try (NetTestHarness a = guest("vw-g2g-sa"); NetTestHarness b = guest("vw-g2g-sb")) {
            useTheBufferAcrossRegions(b);
            b.guest.postReceiveBuffers(4, 2048);
            send(a, TX, GuestNet.frame(1000, 1));
            send(a, TX + 0x1000, GuestNet.frame(1000, 2));
            Memfd.truncate(a.ram.fd(2), 0); // A's transmit buffers are gone under the copy
            ForwardCounts counts = new ForwardCounts();
            assertTrue(a.device.forwardTo(0, to(b.device), new PacketBurst(64), counts));
            assertEquals(0, counts.delivered());
            assertTrue(a.device.isBroken(), "the sender's fault breaks the sender");
            assertTrue(a.device.brokenReason().contains("fault"), a.device.brokenReason());
            assertFalse(b.device.isBroken(), b.device.brokenReason());
            // the buffers B lent for A's frames come back empty; B works on: a frame from elsewhere reaches it
            assertTrue(b.receive(1, Duration.ofMillis(200)).isEmpty());
            assertEquals(2, b.guest.shortBuffers);
            PacketBurst plain = new PacketBurst();
            plain.add(GuestNet.frame(100, 5));
            assertEquals(1, b.device.toGuest(plain));
            assertArrayEquals(GuestNet.frame(100, 5), lastReceived(b, 3));
        }
    }

    @Test
    void aReceiverWhoseMemoryShrankBreaksOnlyItself() throws Exception {
        try (NetTestHarness a = guest("vw-g2g-ra"); NetTestHarness b = guest("vw-g2g-rb");
             NetTestHarness c = guest("vw-g2g-rc")) {
            useTheBufferAcrossRegions(b);
            b.guest.postReceiveBuffers(4, 2048);
            send(a, TX, GuestNet.frame(1000, 1));
            Memfd.truncate(b.ram.fd(1), 0); // B's receive buffers (NEXT) are gone under the copy
            ForwardCounts counts = new ForwardCounts();
            assertTrue(a.device.forwardTo(0, to(b.device), new PacketBurst(64), counts));
            assertTrue(b.device.isBroken(), "the receiver's fault breaks the receiver");
            assertFalse(a.device.isBroken(), a.device.brokenReason());
            assertEquals(1, a.guest.reapTransmitted(), "A's buffer comes back");
            // A works on: its next frame reaches another guest
            useTheBufferAcrossRegions(c);
            c.guest.postReceiveBuffers(2, 2048);
            byte[] f = send(a, TX + 0x1000, GuestNet.frame(300, 2));
            assertTrue(a.device.forwardTo(0, to(c.device), new PacketBurst(64), counts));
            assertEquals(1, counts.delivered());
            assertArrayEquals(f, c.receive(1, Duration.ofSeconds(5)).get(0));
        }
    }

    // ------------------------------------------------------------------------------------------ helpers

    /**
     * B's receive area starts 0x300 bytes below the LOW/NEXT boundary: a first buffer of exactly that size, used
     * up by a plain frame, leaves B's next buffers each in one region (the usual case).
     */
    private static void useTheBufferAcrossRegions(NetTestHarness b) throws Exception {
        b.guest.postReceiveBuffers(1, 0x300);
        PacketBurst plain = new PacketBurst();
        plain.add(GuestNet.frame(100, 0));
        assertEquals(1, b.device.toGuest(plain));
        assertEquals(1, b.receive(1, Duration.ofSeconds(5)).size());
    }

    private static byte[] lastReceived(NetTestHarness h, int seconds) throws Exception {
        List<byte[]> got = h.receive(1, Duration.ofSeconds(seconds));
        assertEquals(1, got.size());
        return got.get(0);
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
