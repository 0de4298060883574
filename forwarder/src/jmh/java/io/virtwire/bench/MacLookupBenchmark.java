package io.virtwire.bench;

import io.virtwire.forwarder.switching.MacTable;
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

import java.util.concurrent.TimeUnit;

/**
 * The L2 switch's per-frame table work: learn the source (a refresh of a known station) and look up the
 * destination, for a burst of 32 frames whose addresses are spread over {@code stations} learned entries.
 * Score: ns per frame.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class MacLookupBenchmark {

    static final int BURST = 32;

    @Param({"16", "4096"})
    public int stations;

    private MacTable table;
    private final long[] src = new long[BURST];
    private final long[] dst = new long[BURST];
    private long now;

    @Setup(Level.Trial)
    public void setUp() {
        table = new MacTable(stations * 2, TimeUnit.SECONDS.toNanos(300));
        now = System.nanoTime();
        for (int i = 0; i < stations; i++) {
            table.learn(0, mac(i), i % 8, now);
        }
        for (int i = 0; i < BURST; i++) {
            src[i] = mac((i * 7919) % stations);
            dst[i] = mac((i * 104729 + 1) % stations);
        }
    }

    /** Locally administered unicast 02:00:xx:xx:xx:xx. */
    private static long mac(int i) {
        return 0x0200_0000_0000L | (i * 0x9E37_79B1L & 0xFFFF_FFFFL);
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public int learnAndLookup() {
        MacTable t = table;
        long at = now;
        int ports = 0;
        for (int i = 0; i < BURST; i++) {
            t.learn(0, src[i], i & 7, at);
            ports += t.lookup(0, dst[i], at);
        }
        return ports;
    }
}
