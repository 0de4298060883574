package io.virtwire.bench;

import io.virtwire.vhostuser.frontend.driver.DriverSplitQueue;
import io.virtwire.virtio.net.PacketBurst;
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

import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

import static io.virtwire.vhostuser.frontend.driver.DriverBuffer.readable;
import static io.virtwire.vhostuser.frontend.driver.DriverBuffer.writable;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.AVAIL;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.DATA;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.DESC;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.NEXT;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.USED;

/**
 * One frame copied between a validated chain in guest memory and a {@link PacketBurst} slot, both ways, the
 * way the net device does it ({@link DescriptorChain#copyFromReadable} after the 12-byte header, and
 * {@link DescriptorChain#copyToWritable} likewise). With {@code crossing} the guest buffer straddles the boundary
 * between two separately mapped regions, so the copy is split in two. {@code rawCopy} is the floor: one
 * {@link MemorySegment#copy} of the same length between two off-heap segments. Score: ns per frame.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class PacketCopyBenchmark {

    static final int HEADER = 12;

    @Param({"64", "1518"})
    public int size;

    @Param({"false", "true"})
    public boolean crossing;

    private TestGuestMemory mem;
    private final DescriptorChain tx = new DescriptorChain();
    private final DescriptorChain rx = new DescriptorChain();
    private final PacketBurst burst = new PacketBurst();
    private MemorySegment guestSide;

    @Setup(Level.Trial)
    public void setUp() {
        mem = new TestGuestMemory();
        int total = HEADER + size;
        // crossing: half of the buffer at the end of LOW, half at the start of NEXT (separate mappings)
        long txBuf = crossing ? NEXT - total / 2 : DATA;
        long rxBuf = crossing ? txBuf : DATA + 0x4000; // tx and rx never run at the same time
        DriverSplitQueue driver = new DriverSplitQueue(mem.memory(), 256, DESC, AVAIL, USED);
        driver.addChain(readable(txBuf, total));
        driver.addChain(writable(rxBuf, 2048));
        driver.publish();
        SplitQueue q = new SplitQueue(256, DESC, AVAIL, USED, true, mem.memory());
        if (q.pop(tx) != ChainStatus.OK || q.pop(rx) != ChainStatus.OK) {
            throw new IllegalStateException("setup chains not OK");
        }
        burst.append(size);
        guestSide = mem.memory().regionSegment(0).asSlice(DATA + 0x8000, 2048);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        mem.close();
    }

    @Benchmark
    public long guestToBurst() {
        return tx.copyFromReadable(HEADER, burst.data(), burst.offset(0), size);
    }

    @Benchmark
    public long burstToGuest() {
        return rx.copyToWritable(HEADER, burst.data(), burst.offset(0), size);
    }

    @Benchmark
    public long rawCopy() {
        MemorySegment.copy(guestSide, HEADER, burst.data(), burst.offset(0), size);
        return size;
    }
}
