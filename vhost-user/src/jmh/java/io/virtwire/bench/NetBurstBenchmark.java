package io.virtwire.bench;

import io.virtwire.vhostuser.frontend.driver.DriverSplitQueue;
import io.virtwire.vhostuser.net.VhostUserNetDevice;
import io.virtwire.virtio.net.DirectPeer;
import io.virtwire.virtio.net.ForwardCounts;
import io.virtwire.virtio.net.FrameRoute;
import io.virtwire.virtio.net.PacketBurst;
import io.virtwire.virtio.net.VirtioNetFeatures;
import io.virtwire.virtio.queue.SplitQueue;
import io.virtwire.virtio.queue.testing.TestGuestMemory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;

import static io.virtwire.vhostuser.frontend.driver.DriverBuffer.readable;
import static io.virtwire.vhostuser.frontend.driver.DriverBuffer.writable;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.DATA;

/**
 * The cross-connect's work per burst without sockets or a second process: guest A's transmit ring → device A
 * {@link VhostUserNetDevice#fromGuest} → {@link PacketBurst} → device B {@link VhostUserNetDevice#toGuest}
 * → guest B's receive ring (MRG_RXBUF, 2 KiB buffers). Rings are split, 256 entries, started directly through
 * {@code queueStarted} (no call fds: the polling driver wants no interrupts). Per invocation the "guests" re-offer
 * 32 transmit chains (DPDK virtio-user style: header and frame in one descriptor) and 32 receive buffers.
 * {@code guestToGuestBurst}: the same, guest A to guest B in one copy ({@code forwardTo}). Score: ns per frame.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class NetBurstBenchmark {

    static final int BURST = 32;
    static final int QUEUE_SIZE = 256;
    static final long RX_DESC = 0x1000;
    static final long RX_AVAIL = 0x2000;
    static final long RX_USED = 0x3000;
    static final long TX_DESC = 0x4000;
    static final long TX_AVAIL = 0x5000;
    static final long TX_USED = 0x6000;

    @Param({"64", "1518"})
    public int size;

    @Param({"false", "true"})
    public boolean eventIdx;

    private TestGuestMemory memA;
    private TestGuestMemory memB;
    private VhostUserNetDevice a;
    private VhostUserNetDevice b;
    private DriverSplitQueue txA;
    private DriverSplitQueue rxB;
    private final int[] txHeads = new int[BURST];
    private final int[] rxHeads = new int[BURST];
    private final PacketBurst burst = new PacketBurst();
    private final ForwardCounts counts = new ForwardCounts();
    /** A cross-connect's route: every batch to B, frames unread. */
    private FrameRoute toB;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        long features = VirtioNetFeatures.mask(VirtioNetFeatures.VERSION_1, VirtioNetFeatures.MRG_RXBUF)
                | (eventIdx ? VirtioNetFeatures.bit(VirtioNetFeatures.RING_EVENT_IDX) : 0);
        memA = new TestGuestMemory();
        memB = new TestGuestMemory();
        a = new VhostUserNetDevice("bench-a", 1, QUEUE_SIZE);
        b = new VhostUserNetDevice("bench-b", 1, QUEUE_SIZE);
        a.featuresAcked(features);
        b.featuresAcked(features);
        txA = new DriverSplitQueue(memA.memory(), QUEUE_SIZE, TX_DESC, TX_AVAIL, TX_USED);
        rxB = new DriverSplitQueue(memB.memory(), QUEUE_SIZE, RX_DESC, RX_AVAIL, RX_USED);
        for (int i = 0; i < BURST; i++) {
            long buf = DATA + i * 2048L;
            memA.write(buf, frame(12 + size, i));
            txHeads[i] = txA.addChain(readable(buf, 12 + size));
            rxHeads[i] = rxB.addChain(writable(buf, 2048));
        }
        txA.setAvailFlags(1);
        rxB.setAvailFlags(1);
        a.queueStarted(1, new SplitQueue(QUEUE_SIZE, TX_DESC, TX_AVAIL, TX_USED, eventIdx, memA.memory()), null, null);
        b.queueStarted(0, new SplitQueue(QUEUE_SIZE, RX_DESC, RX_AVAIL, RX_USED, eventIdx, memB.memory()), null, null);
        toB = new FrameRoute() {
            @Override
            public boolean readsHeads() {
                return false;
            }

            @Override
            public DirectPeer route(PacketBurst heads) {
                return b;
            }
        };
        // addChain pushed each head once; run that first burst so every invocation starts level
        txA.publish();
        rxB.publish();
        forward();
    }

    /** A virtio-net header of zeros (no offloads) then a frame. */
    private static byte[] frame(int length, int seed) {
        byte[] f = TestGuestMemory.pattern(length, seed);
        java.util.Arrays.fill(f, 0, 12, (byte) 0);
        return f;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        a.close();
        b.close();
        memA.close();
        memB.close();
    }

    private int forward() {
        burst.clear();
        a.fromGuest(burst);
        int sent = b.toGuest(burst);
        if (sent != BURST) {
            throw new IllegalStateException("forwarded " + sent + " of " + BURST + " frames; a: " + a.brokenReason()
                    + ", b: " + b.brokenReason());
        }
        return sent;
    }

    /** The guests offer the same 32 transmit chains and 32 receive buffers again. */
    private void reoffer() {
        for (int i = 0; i < BURST; i++) {
            txA.rawPushHead(txHeads[i]);
            rxB.rawPushHead(rxHeads[i]);
        }
        txA.publish();
        rxB.publish();
    }

    /** The same frames guest A → guest B in one copy ({@link VhostUserNetDevice#forwardTo}), no staging burst. */
    @Benchmark
    @OperationsPerInvocation(BURST)
    public int guestToGuestBurst() {
        reoffer();
        burst.clear();
        if (!a.forwardTo(0, toB, burst, counts) || counts.delivered() != BURST) {
            throw new IllegalStateException("forwarded " + counts.delivered() + " of " + BURST + " frames; a: "
                    + a.brokenReason() + ", b: " + b.brokenReason());
        }
        return counts.delivered();
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public int crossConnectBurst() {
        reoffer();
        return forward();
    }
}
