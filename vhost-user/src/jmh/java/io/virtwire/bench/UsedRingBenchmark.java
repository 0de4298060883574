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
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;

import static io.virtwire.vhostuser.frontend.driver.DriverBuffer.writable;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.AVAIL;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.DATA;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.DESC;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.USED;

/**
 * Used-ring publication for one burst of 32 completed chains: 32 {@link SplitQueue#addUsed} (entries written
 * in place), one {@link SplitQueue#publishUsed} (release fence + used.idx) and one
 * {@link SplitQueue#needsNotification} (full fence + used_event or flags read), with and without EVENT_IDX.
 * Score: ns per burst.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class UsedRingBenchmark {

    static final int BURST = 32;

    @Param({"false", "true"})
    public boolean eventIdx;

    private TestGuestMemory mem;
    private SplitQueue queue;
    private final DescriptorChain[] chains = new DescriptorChain[BURST];

    @Setup(Level.Trial)
    public void setUp() {
        mem = new TestGuestMemory();
        DriverSplitQueue driver = new DriverSplitQueue(mem.memory(), 256, DESC, AVAIL, USED);
        for (int i = 0; i < BURST; i++) {
            driver.addChain(writable(DATA + i * 2048L, 2048));
        }
        driver.publish();
        driver.setAvailFlags(1); // a polling driver: no interrupts wanted
        driver.setUsedEvent(0);
        queue = new SplitQueue(256, DESC, AVAIL, USED, eventIdx, mem.memory());
        for (int i = 0; i < BURST; i++) {
            chains[i] = new DescriptorChain();
            if (queue.pop(chains[i]) != ChainStatus.OK) {
                throw new IllegalStateException("setup chain " + i + " not OK");
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        mem.close();
    }

    @Benchmark
    public boolean publishBurst() {
        SplitQueue q = queue;
        for (int i = 0; i < BURST; i++) {
            q.addUsed(chains[i], 76);
        }
        q.publishUsed();
        return q.needsNotification();
    }
}
