package io.virtwire.vhostuser.net;

import io.virtwire.linux.EventFd;
import io.virtwire.linux.UnixSocket;
import io.virtwire.vhostuser.backend.BackendSession;
import io.virtwire.vhostuser.frontend.Frontend;
import io.virtwire.vhostuser.frontend.GuestRam;
import io.virtwire.vhostuser.frontend.driver.DriverBuffer;
import io.virtwire.vhostuser.frontend.driver.DriverPackedQueue;
import io.virtwire.vhostuser.frontend.driver.DriverSplitQueue;
import io.virtwire.vhostuser.frontend.driver.UsedElement;
import io.virtwire.vhostuser.protocol.BackendRequest;
import io.virtwire.vhostuser.protocol.FrontendRequest;
import io.virtwire.vhostuser.protocol.IotlbMsg;
import io.virtwire.vhostuser.protocol.ProtocolFeature;
import io.virtwire.vhostuser.protocol.VirtioFeature;
import io.virtwire.vhostuser.protocol.VringAddr;
import io.virtwire.vhostuser.protocol.VringState;
import io.virtwire.vhostuser.transport.Connection;
import io.virtwire.vhostuser.transport.RawMessage;
import io.virtwire.virtio.net.PacketBurst;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * VIRTIO_F_ACCESS_PLATFORM end to end over real sockets and memfds: our front-end plays QEMU with a vIOMMU. The
 * guest driver puts I/O virtual addresses (gpa + {@link #IOVA_OFFSET}) into SET_VRING_ADDR and the descriptors;
 * the device knows none of them at first, asks over the back-end request channel (BACKEND_IOTLB_MSG misses), and
 * the "IOMMU" answers with IOTLB_MSG updates page by page, with the permission its model gives the page.
 */
class IommuNetDeviceTest {

    private static final long IOVA_OFFSET = 0x40_0000_0000L;
    private static final long PAGE = 0x1000;
    private static final int SIZE = 256;
    private static final int HEADER = 12;
    private static final long RX_RING = 0x1000;
    private static final long TX_RING = 0x9000;
    private static final long RX_BUFFERS = 0x20000;
    private static final long TX_BUFFERS = 0x1_0000_0000L;

    private VhostUserNetDevice device;
    private BackendSession session;
    private Thread sessionThread;
    private Frontend frontend;
    private GuestRam ram;
    private Connection iommuChannel;
    private Thread iommuReader;
    private final LinkedBlockingQueue<long[]> misses = new LinkedBlockingQueue<>();
    private final List<long[]> allMisses = new ArrayList<>();
    /** The vIOMMU's page table: IOVA page → permission; pages not listed are read/write (inside guest RAM). */
    private final Map<Long, Integer> iommuPerm = new HashMap<>();
    /** When false the IOMMU never answers (a hung front-end). */
    private boolean answering = true;
    /** The guest driver's view of one ring, split or packed. */
    private interface Ring {
        int addChain(DriverBuffer... buffers);

        void publish();

        UsedElement pollUsed();
    }

    private Ring rx;
    private Ring tx;
    private final EventFd rxKick = EventFd.create();
    private final EventFd rxCall = EventFd.create();
    private final EventFd txKick = EventFd.create();
    private final EventFd txCall = EventFd.create();
    private int txSlot;
    private final PacketBurst burst = new PacketBurst();

    IommuNetDeviceTest() throws Exception {
    }

    private void start() throws Exception {
        start(false);
    }

    private void start(boolean packed) throws Exception {
        device = new VhostUserNetDevice("iommu", 1, SIZE);
        Connection[] pair = Connection.pair();
        session = new BackendSession(pair[1], device, "iommu");
        sessionThread = Thread.ofPlatform().name("session iommu").start(session);
        frontend = new Frontend(pair[0]);
        ram = GuestRam.standard("iommu");
        frontend.handshake(BackendSession.SUPPORTED_PROTOCOL_FEATURES);
        assertTrue(frontend.hasProtocol(ProtocolFeature.BACKEND_REQ), "QEMU refuses iommu_platform without BACKEND_REQ");
        assertTrue(frontend.hasProtocol(ProtocolFeature.REPLY_ACK), "QEMU refuses iommu_platform without REPLY_ACK");
        assertTrue((frontend.getFeatures() & VirtioFeature.VIRTIO_F_ACCESS_PLATFORM.mask()) != 0);
        UnixSocket[] channel = UnixSocket.pair();
        frontend.setBackendReqFd(channel[1].fd());
        channel[1].close();
        iommuChannel = new Connection(channel[0]);
        iommuReader = Thread.ofPlatform().name("iommu channel").start(this::readMisses);
        frontend.setFeatures(VirtioFeature.VIRTIO_F_VERSION_1.mask() | VirtioFeature.VHOST_USER_F_PROTOCOL_FEATURES.mask()
                | VirtioFeature.VIRTIO_F_ACCESS_PLATFORM.mask() | (packed ? VirtioFeature.VIRTIO_F_RING_PACKED.mask() : 0));
        frontend.setMemTable(ram);
        // both layouts: descriptors at +0, avail ring / driver event area at +0x1000, used ring / device event area at +0x2000
        rx = packed ? packedRing(0, RX_RING, rxKick, rxCall) : splitRing(0, RX_RING, rxKick, rxCall);
        tx = packed ? packedRing(1, TX_RING, txKick, txCall) : splitRing(1, TX_RING, txKick, txCall);
    }

    private Ring splitRing(int index, long base, EventFd kick, EventFd call) throws Exception {
        DriverSplitQueue q = new DriverSplitQueue(ram.memory(), SIZE, base, base + 0x1000, base + 0x2000);
        startRing(index, 0, base, base + 0x1000, base + 0x2000, kick, call);
        return new Ring() {
            public int addChain(DriverBuffer... b) {
                return q.addChain(b);
            }

            public void publish() {
                q.publish();
            }

            public UsedElement pollUsed() {
                return q.pollUsed();
            }
        };
    }

    private Ring packedRing(int index, long base, EventFd kick, EventFd call) throws Exception {
        DriverPackedQueue q = new DriverPackedQueue(ram.memory(), SIZE, base, base + 0x1000, base + 0x2000);
        startRing(index, 0x8000 | 0x8000L << 16, base, base + 0x1000, base + 0x2000, kick, call);
        return new Ring() {
            public int addChain(DriverBuffer... b) {
                return q.addChain(b);
            }

            public void publish() {
                // packed descriptors are available as soon as they are written
            }

            public UsedElement pollUsed() {
                return q.pollUsed();
            }
        };
    }

    @AfterEach
    void stop() throws Exception {
        if (frontend == null) {
            return;
        }
        frontend.close();
        sessionThread.join(Duration.ofSeconds(10));
        iommuChannel.close();
        iommuReader.join(Duration.ofSeconds(10));
        ram.close();
        device.close();
        for (EventFd e : List.of(rxKick, rxCall, txKick, txCall)) {
            e.close();
        }
    }

    /** QEMU's vhost_virtqueue_start with an IOMMU: the ring addresses are the guest's DMA addresses. */
    private void startRing(int index, long base, long desc, long avail, long used, EventFd kick, EventFd call)
            throws Exception {
        frontend.setVringNum(index, SIZE);
        frontend.setVringBase(index, base);
        frontend.request(new VringAddr(index, 0, iova(desc), iova(used), iova(avail), 0));
        frontend.setVringKick(index, kick);
        frontend.setVringCall(index, call);
        frontend.request(new VringState(FrontendRequest.SET_VRING_ENABLE, index, 1));
    }

    private static long iova(long gpa) {
        return gpa + IOVA_OFFSET;
    }

    private void readMisses() {
        try {
            while (true) {
                try (RawMessage m = iommuChannel.receive()) {
                    ByteBuffer p = ByteBuffer.wrap(m.payload()).order(ByteOrder.LITTLE_ENDIAN);
                    assertEquals(BackendRequest.IOTLB_MSG.code(), m.request());
                    assertEquals(IotlbMsg.Type.MISS.wire(), p.get(25));
                    misses.add(new long[] {p.getLong(0), p.get(24)});
                }
            }
        } catch (Exception e) {
            // channel closed at the end of the test
        }
    }

    /** The vIOMMU: answers each miss with the page's update, if the page allows the access (else, like QEMU, nothing). */
    private void answerMisses() throws Exception {
        long[] miss;
        while ((miss = misses.poll()) != null) {
            allMisses.add(miss);
            if (!answering) {
                continue;
            }
            long page = miss[0] & ~(PAGE - 1);
            int perm = iommuPerm.getOrDefault(page, 3);
            if ((perm & (int) miss[1]) == 0) {
                continue;
            }
            long gpa = page - IOVA_OFFSET;
            assertEquals(0, frontend.iotlbMsg(new IotlbMsg(page, PAGE, GuestRam.userAddr(gpa),
                    IotlbMsg.Permission.ofWire(perm), IotlbMsg.Type.UPDATE)));
        }
    }

    private List<byte[]> pump(int frames, Duration timeout) throws Exception {
        List<byte[]> got = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (got.size() < frames && System.nanoTime() < deadline) {
            answerMisses();
            burst.clear();
            device.fromGuest(burst);
            for (int i = 0; i < burst.count(); i++) {
                got.add(burst.frame(i));
            }
            if (misses.isEmpty()) {
                Thread.sleep(1);
            }
        }
        answerMisses();
        return got;
    }

    private void until(BooleanSupplier condition, Duration timeout, String what) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            answerMisses();
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(1);
        }
    }

    private static byte[] frame(int n, int length) {
        byte[] f = new byte[length];
        for (int i = 0; i < length; i++) {
            f[i] = (byte) (n * 31 + i);
        }
        return f;
    }

    /** Guest transmit: header and frame in two device-readable descriptors at IOVAs. */
    private void guestSends(byte[] frame) throws Exception {
        long slot = TX_BUFFERS + (txSlot++ % 32) * 0x4000L;
        MemorySegment.copy(frame, 0, ram.memory().translate(slot + 0x100, frame.length), ValueLayout.JAVA_BYTE, 0, frame.length);
        ram.memory().translate(slot, HEADER).fill((byte) 0);
        tx.addChain(DriverBuffer.readable(iova(slot), HEADER), DriverBuffer.readable(iova(slot + 0x100), frame.length));
        tx.publish();
        txKick.signal();
    }

    private long guestPostsReceiveBuffer(int i) {
        long gpa = RX_BUFFERS + i * 0x1000L;
        ram.memory().translate(gpa, 2048).fill((byte) 0xEE);
        rx.addChain(DriverBuffer.writable(iova(gpa), 2048));
        rx.publish();
        return gpa;
    }

    private byte[] guestRead(long gpa, int length) {
        byte[] out = new byte[length];
        MemorySegment.copy(ram.memory().translate(gpa, length), ValueLayout.JAVA_BYTE, 0, out, 0, length);
        return out;
    }

    private boolean missedPage(long gpa, boolean write) {
        long page = iova(gpa) & ~(PAGE - 1);
        return allMisses.stream().anyMatch(m -> (m[0] & ~(PAGE - 1)) == page && m[1] == (write ? 2 : 1));
    }

    private UsedElement awaitUsed(Ring q) throws Exception {
        UsedElement[] used = new UsedElement[1];
        until(() -> (used[0] = q.pollUsed()) != null, Duration.ofSeconds(5), "a used element");
        return used[0];
    }

    @ParameterizedTest(name = "packed={0}")
    @ValueSource(booleans = {false, true})
    void framesFlowBothWaysThroughTranslatedAddressesOnceMissesAreAnswered(boolean packed) throws Exception {
        start(packed);
        until(() -> device.isStarted(0) && device.isStarted(1), Duration.ofSeconds(5), "both rings to start after ring misses");
        assertTrue(missedPage(TX_RING, false), "the descriptor table was asked for, read-only");
        assertTrue(missedPage(TX_RING + 0x2000, true), "the used ring was asked for, writable");
        for (int n = 0; n < 3; n++) {
            guestSends(frame(n, 60 + n * 500));
        }
        List<byte[]> got = pump(3, Duration.ofSeconds(5));
        assertEquals(3, got.size());
        for (int n = 0; n < 3; n++) {
            assertArrayEquals(frame(n, 60 + n * 500), got.get(n));
        }
        assertTrue(missedPage(TX_BUFFERS + 0x100, false), "the frame's buffer was asked for, read-only");

        long gpa = guestPostsReceiveBuffer(0);
        byte[] in = frame(7, 1000);
        burst.clear();
        burst.add(in);
        until(() -> {
            if (device.toGuest(burst) == 1) {
                burst.clear();
            }
            return burst.count() == 0;
        }, Duration.ofSeconds(5), "the frame to be delivered");
        UsedElement used = awaitUsed(rx);
        assertEquals(HEADER + in.length, used.length());
        assertArrayEquals(in, guestRead(gpa + HEADER, in.length));
        assertTrue(missedPage(RX_BUFFERS, true), "the receive buffer was asked for, writable");
        assertFalse(device.isBroken(), device.brokenReason());
    }

    @Test
    void aReadOnlyMappedReceiveBufferIsNeverWrittenAndTheDeviceWaits() throws Exception {
        start();
        iommuPerm.put(iova(RX_BUFFERS), 1); // the guest mapped this buffer DMA_TO_DEVICE: read only
        until(() -> device.isStarted(0), Duration.ofSeconds(5), "the receive ring");
        long gpa = guestPostsReceiveBuffer(0);
        burst.clear();
        burst.add(frame(1, 200));
        for (int i = 0; i < 50; i++) {
            answerMisses();
            assertEquals(0, device.toGuest(burst));
            Thread.sleep(1);
        }
        assertTrue(missedPage(RX_BUFFERS, true), "the device asked for write access");
        byte[] untouched = new byte[2048];
        Arrays.fill(untouched, (byte) 0xEE);
        assertArrayEquals(untouched, guestRead(gpa, 2048), "not one byte written through a read-only mapping");
        assertNull(rx.pollUsed(), "the buffer stays with the device, unused");
        assertFalse(device.isBroken(), "a missing permission is a wait, not a guest error: " + device.brokenReason());

        // the guest remaps the buffer DMA_FROM_DEVICE; the IOMMU answers the next miss
        iommuPerm.put(iova(RX_BUFFERS), 3);
        assertEquals(0, frontend.iotlbMsg(new IotlbMsg(iova(RX_BUFFERS), PAGE, GuestRam.userAddr(RX_BUFFERS),
                IotlbMsg.Permission.READ_WRITE, IotlbMsg.Type.UPDATE)));
        until(() -> device.toGuest(burst) == 1, Duration.ofSeconds(5), "delivery after the remap");
        assertEquals(HEADER + 200, awaitUsed(rx).length());
        assertArrayEquals(frame(1, 200), guestRead(gpa + HEADER, 200));
    }

    @Test
    void invalidationWhileRunningStopsUseOfTheRangeUntilItIsMappedAgain() throws Exception {
        start();
        until(() -> device.isStarted(1), Duration.ofSeconds(5), "the transmit ring");
        guestSends(frame(1, 100));
        assertEquals(1, pump(1, Duration.ofSeconds(5)).size());
        int missesBefore = allMisses.size();

        // the guest unmaps its transmit buffers and the ring; the device must stop using them
        answering = false;
        assertEquals(0, frontend.iotlbMsg(new IotlbMsg(iova(TX_BUFFERS), 0x10_0000, 0, IotlbMsg.Permission.NONE,
                IotlbMsg.Type.INVALIDATE)));
        guestSends(frame(2, 100));
        assertEquals(0, pump(1, Duration.ofMillis(200)).size(), "an invalidated buffer is not read");
        assertTrue(allMisses.size() > missesBefore && missedPage(TX_BUFFERS, false), "the device asked again");
        assertEquals(0, frontend.iotlbMsg(new IotlbMsg(iova(TX_RING), 0x3000, 0, IotlbMsg.Permission.NONE,
                IotlbMsg.Type.INVALIDATE)));
        until(() -> !device.isStarted(1), Duration.ofSeconds(5), "the ring to park after its translation went away");

        answering = true;
        // the ring and the buffer are asked for again and the frame that waited arrives, exactly once
        misses.addAll(allMisses.subList(missesBefore, allMisses.size()));
        List<byte[]> got = pump(1, Duration.ofSeconds(5));
        assertEquals(1, got.size());
        assertArrayEquals(frame(2, 100), got.get(0));
        assertTrue(device.isStarted(1));
        assertEquals(0, pump(1, Duration.ofMillis(100)).size(), "no frame twice");
        assertFalse(device.isBroken(), device.brokenReason());
    }

    @Test
    void anUnansweredMissLeavesTheRingWaitingAndAsksOnlyOnce() throws Exception {
        start();
        until(() -> device.isStarted(1), Duration.ofSeconds(5), "the transmit ring");
        answering = false;
        guestSends(frame(1, 100));
        for (int i = 0; i < 100; i++) {
            burst.clear();
            assertEquals(0, device.fromGuest(burst));
        }
        Thread.sleep(50);
        answerMisses();
        long page = iova(TX_BUFFERS) & ~(PAGE - 1);
        assertEquals(1, allMisses.stream().filter(m -> (m[0] & ~(PAGE - 1)) == page).count(),
                "one miss per address, not one per burst");
        assertFalse(device.isBroken(), device.brokenReason());
        assertNull(tx.pollUsed(), "the chain was not consumed");
    }

    @Test
    void updatesOutsideGuestMemoryAreRefusedAndTheSessionGoesOn() throws Exception {
        start();
        assertEquals(1, frontend.iotlbMsg(new IotlbMsg(0x1000_0000L, PAGE, GuestRam.userAddr(0x200000),
                IotlbMsg.Permission.READ_WRITE, IotlbMsg.Type.UPDATE)));
        assertEquals(0, frontend.iotlbMsg(new IotlbMsg(0x1000_0000L, PAGE, GuestRam.userAddr(0x5000),
                IotlbMsg.Permission.READ, IotlbMsg.Type.UPDATE)));
        // an undefined permission is refused with u64 1; the session goes on (it used to close)
        byte[] bad = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN).putLong(0x2000_0000L).putLong(PAGE)
                .putLong(GuestRam.userAddr(0x5000)).put((byte) 6).put((byte) IotlbMsg.Type.UPDATE.wire()).array();
        frontend.sendRaw(FrontendRequest.IOTLB_MSG.code(), io.virtwire.vhostuser.protocol.MessageHeader.VERSION, bad);
        try (RawMessage reply = frontend.receiveReply()) {
            assertEquals(1L, ByteBuffer.wrap(reply.payload()).order(ByteOrder.LITTLE_ENDIAN).getLong());
        }
        // overlapping updates of a ring page: the newest wins and the ring still starts
        until(() -> device.isStarted(1), Duration.ofSeconds(5), "the transmit ring");
        assertEquals(0, frontend.iotlbMsg(new IotlbMsg(iova(TX_RING) - PAGE, 2 * PAGE, GuestRam.userAddr(TX_RING - PAGE),
                IotlbMsg.Permission.READ_WRITE, IotlbMsg.Type.UPDATE)));
        guestSends(frame(3, 64));
        assertEquals(1, pump(1, Duration.ofSeconds(5)).size());
        assertTrue(session.endReason() == null, "session still serving");
    }
}
