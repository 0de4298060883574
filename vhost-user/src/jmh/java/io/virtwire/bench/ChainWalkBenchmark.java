package io.virtwire.bench;

import io.virtwire.vhostuser.frontend.driver.DriverSplitQueue;
import io.virtwire.virtio.queue.ChainStatus;
import io.virtwire.virtio.queue.DescriptorChain;
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
import static io.virtwire.virtio.queue.testing.TestGuestMemory.AVAIL;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.DATA;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.DESC;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.USED;

/**
 * Split-ring descriptor chain walk ({@link SplitQueue#pop}): the avail index read, the head, every descriptor copied
 * once and validated (bounds, order, lengths, memory translation). Chains look like a virtio-net transmit: a 12-byte
 * header descriptor plus a 64-byte frame descriptor, either directly in the ring or behind an indirect table of
 * two entries. The driver re-offers the same 32 heads per invocation (writing 32 avail entries and the index is
 * part of the measured time, a few ns per chain). Score: ns per chain.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ChainWalkBenchmark {

    static final int BURST = 32;

    @Param({"false", "true"})
    public boolean indirect;

    private TestGuestMemory mem;
    private DriverSplitQueue driver;
    private SplitQueue queue;
    private final DescriptorChain chain = new DescriptorChain();
    private final int[] heads = new int[BURST];

    @Setup(Level.Trial)
    public void setUp() {
        mem = new TestGuestMemory();
        driver = new DriverSplitQueue(mem.memory(), 256, DESC, AVAIL, USED);
        for (int i = 0; i < BURST; i++) {
            long buf = DATA + i * 2048L;
            heads[i] = indirect
                    ? driver.addIndirectChain(DATA + 0x10_000 + i * 64L, readable(buf, 12), readable(buf + 12, 64))
                    : driver.addChain(readable(buf, 12), readable(buf + 12, 64));
        }
        queue = new SplitQueue(256, DESC, AVAIL, USED, true, mem.memory());
        // addChain pushed every head once: take them so each invocation starts from an empty avail ring
        driver.publish();
        while (queue.pop(chain) == ChainStatus.OK) {
            queue.addUsed(chain, 0);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        mem.close();
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public long popBurst() {
        for (int i = 0; i < BURST; i++) {
            driver.rawPushHead(heads[i]);
        }
        driver.publish();
        long bytes = 0;
        for (int i = 0; i < BURST; i++) {
            if (queue.pop(chain) != ChainStatus.OK) {
                throw new IllegalStateException("chain " + i + " not OK: " + chain.malformedReason());
            }
            bytes += chain.readableBytes();
        }
        return bytes;
    }
}
