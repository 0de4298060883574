package io.virtwire.bench;

import io.virtwire.forwarder.port.Port;
import io.virtwire.forwarder.switching.EgressBuffers;
import io.virtwire.forwarder.switching.L2Switch;
import io.virtwire.forwarder.switching.MacTable;
import io.virtwire.forwarder.switching.PortTable;
import io.virtwire.forwarder.switching.SwitchPort;
import io.virtwire.forwarder.switching.VlanPolicy;
import io.virtwire.linux.Fd;
import io.virtwire.virtio.net.PacketBurst;
import io.virtwire.virtio.net.Wakeup;
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

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@link L2Switch#forward} on a burst of 32 frames (64 bytes, in cache) between two ports whose addresses are
 * learned, the transmit itself costing nothing: the switch's own per-frame work. {@code unicast}: every frame
 * for the other port (the burst goes out as received); {@code broadcast}: every frame floods (copied to
 * staging). Score: ns per frame.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class SwitchBurstBenchmark {

    static final int BURST = 32;
    static final long A = 0x02_00_00_00_00_0AL;
    static final long B = 0x02_00_00_00_00_0BL;

    @Param({"unicast", "broadcast"})
    public String frames;

    private L2Switch sw;
    private EgressBuffers egress;
    private SwitchPort in;
    private final PacketBurst burst = new PacketBurst();

    /** Takes every frame and keeps none. */
    static final class SinkPort implements Port {
        private final String name;
        long taken;

        SinkPort(String name) {
            this.name = name;
        }

        @Override public String name() { return name; }
        @Override public String type() { return "sink"; }
        @Override public int receive(PacketBurst b) { return 0; }
        @Override public int transmit(PacketBurst b) { taken += b.count(); return b.count(); }
        @Override public Fd pollFd() { return null; }
        @Override public Wakeup armWakeup() { return Wakeup.ARMED; }
        @Override public void disarmWakeup() { }
        @Override public boolean isUp() { return true; }
        @Override public String brokenReason() { return null; }
        @Override public Map<String, Object> describe() { return Map.of(); }
        @Override public void close() { }
    }

    @Setup(Level.Trial)
    public void setUp() {
        PortTable table = new PortTable();
        MacTable macs = new MacTable(1024, TimeUnit.SECONDS.toNanos(300));
        sw = new L2Switch(table, macs);
        egress = new EgressBuffers(table);
        in = table.add(slot -> new SwitchPort(slot, new SinkPort("a"), VlanPolicy.defaultAccess(), 1500, 0));
        SwitchPort out = table.add(slot -> new SwitchPort(slot, new SinkPort("b"), VlanPolicy.defaultAccess(), 1500, 0));
        PacketBurst fromB = new PacketBurst();
        fromB.add(frame(A, B));
        sw.forward(out, fromB, egress); // B learned on its port
        long dst = frames.equals("broadcast") ? 0xFFFF_FFFF_FFFFL : B;
        for (int i = 0; i < BURST; i++) {
            burst.add(frame(dst, A));
        }
    }

    private static byte[] frame(long dst, long src) {
        ByteBuffer f = ByteBuffer.allocate(64);
        f.putShort((short) (dst >>> 32)).putInt((int) dst).putShort((short) (src >>> 32)).putInt((int) src);
        f.putShort((short) 0x0800);
        return f.array();
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public void forwardBurst() {
        sw.forward(in, burst, egress);
    }
}
