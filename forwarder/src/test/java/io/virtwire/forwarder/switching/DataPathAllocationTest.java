package io.virtwire.forwarder.switching;

import com.sun.management.ThreadMXBean;
import io.virtwire.virtio.net.PacketBurst;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Switching a burst allocates nothing once warmed up: measured with the JVM's per-thread allocation counter. */
class DataPathAllocationTest {

    /** A port that counts what it is given and keeps nothing (MemoryPort copies frames into byte arrays). */
    private static final class CountingPort extends MemoryPort {
        long frames;

        CountingPort(String name) {
            super(name);
        }

        @Override
        public synchronized int transmit(PacketBurst burst) {
            frames += burst.count();
            return burst.count();
        }
    }

    @Test
    void switchingAndCrossConnectingAllocateNothingPerPacket() {
        PortTable table = new PortTable();
        MacTable macs = new MacTable(1024, 60_000_000_000L);
        L2Switch sw = new L2Switch(table, macs);
        CrossConnect xc = new CrossConnect(table);
        EgressBuffers egress = new EgressBuffers(table);
        CountingPort[] ports = new CountingPort[3];
        SwitchPort[] sp = new SwitchPort[3];
        for (int i = 0; i < 3; i++) {
            CountingPort p = new CountingPort("p" + i);
            ports[i] = p;
            VlanPolicy vlan = i == 2 ? VlanPolicy.trunk(List.of(1, 10), 0) : VlanPolicy.defaultAccess();
            sp[i] = table.add(slot -> new SwitchPort(slot, p, vlan, 1500, 0));
        }
        xc.connect(sp[0], sp[1]);
        long a = 0x02_00_00_00_00_01L;
        long b = 0x02_00_00_00_00_02L;
        PacketBurst fromA = new PacketBurst();
        PacketBurst fromB = new PacketBurst();
        for (int i = 0; i < 32; i++) {
            fromA.add(Frames.frame(i % 4 == 0 ? Frames.BROADCAST : b, a, -1, 60 + i));
            fromB.add(Frames.frame(a, b, -1, 1400));
        }
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        for (int round = 0; round < 20_000; round++) { // warm-up: JIT, staging bursts, MAC entries
            sw.forward(sp[0], fromA, egress);
            sw.forward(sp[1], fromB, egress);
            xc.forward(sp[0], fromA, egress);
        }
        long before = mx.getThreadAllocatedBytes(tid);
        for (int round = 0; round < 10_000; round++) {
            sw.forward(sp[0], fromA, egress);
            sw.forward(sp[1], fromB, egress);
            xc.forward(sp[0], fromA, egress);
        }
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        // 960,000 frames: anything per packet would show up as megabytes; a one-off runtime allocation (a
        // deoptimisation, a lazily linked call site) is not the data path's and stays far below a byte per frame
        assertTrue(allocated < 960_000, "bytes allocated while switching 960000 frames: " + allocated);
        assertEquals(true, ports[2].frames > 0, "the trunk received the broadcasts, tagged");
    }

    /** A counting port that takes {@code accepted} offloads. */
    private static final class CountingOffloadPort extends MemoryPort {
        final int accepted;
        long frames;

        CountingOffloadPort(String name, int accepted) {
            super(name);
            this.accepted = accepted;
        }

        @Override
        public synchronized int transmit(PacketBurst burst) {
            frames += burst.count();
            return burst.count();
        }

        @Override
        public int offloadsAccepted() {
            return accepted;
        }

        @Override
        public boolean largeFrames() {
            return true;
        }
    }

    @Test
    void offloadedFramesPassAndAreSegmentedWithoutAllocating() {
        PortTable table = new PortTable();
        L2Switch sw = new L2Switch(table, new MacTable(1024, 60_000_000_000L));
        CrossConnect xc = new CrossConnect(table);
        EgressBuffers egress = new EgressBuffers(table);
        CountingOffloadPort in = new CountingOffloadPort("in", io.virtwire.virtio.net.Offloads.ALL);
        CountingOffloadPort tso = new CountingOffloadPort("tso", io.virtwire.virtio.net.Offloads.ALL);
        CountingOffloadPort plain = new CountingOffloadPort("plain", io.virtwire.virtio.net.Offloads.NONE);
        SwitchPort spIn = table.add(slot -> new SwitchPort(slot, in, VlanPolicy.defaultAccess(), 1500, 0));
        table.add(slot -> new SwitchPort(slot, tso, VlanPolicy.trunk(List.of(1), 0), 1500, 0));
        SwitchPort spPlain = table.add(slot -> new SwitchPort(slot, plain, VlanPolicy.defaultAccess(), 1500, 0));
        xc.connect(spIn, spPlain);
        PacketBurst burst = new PacketBurst(PacketBurst.DEFAULT_CAPACITY, PacketBurst.LARGE_SLOT_SIZE);
        for (int i = 0; i < 8; i++) {
            byte[] f = io.virtwire.virtio.net.TcpFrames.build(false, 0, 4000 + i, io.virtwire.virtio.net.TcpFrames.ACK, i);
            f[0] = (byte) 0xFF; // broadcast destination: flooded to both (tagged towards the trunk)
            io.virtwire.virtio.net.TcpFrames.seedPartial(f, false, 14, 34);
            int slot = burst.add(f);
            burst.setHeader(slot, io.virtwire.virtio.net.VirtioNetHeader.F_NEEDS_CSUM,
                    io.virtwire.virtio.net.VirtioNetHeader.GSO_TCPV4, 66, 1448, 34, 16);
            byte[] small = io.virtwire.virtio.net.TcpFrames.build(false, 0, 100, io.virtwire.virtio.net.TcpFrames.ACK, i);
            small[0] = (byte) 0xFF;
            io.virtwire.virtio.net.TcpFrames.seedPartial(small, false, 14, 34);
            slot = burst.add(small);
            burst.setHeader(slot, io.virtwire.virtio.net.VirtioNetHeader.F_NEEDS_CSUM, 0, 0, 0, 34, 16);
        }
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        for (int round = 0; round < 5_000; round++) {
            sw.forward(spIn, burst, egress);
            xc.forward(spIn, burst, egress);
        }
        long before = mx.getThreadAllocatedBytes(tid);
        for (int round = 0; round < 2_000; round++) {
            sw.forward(spIn, burst, egress);
            xc.forward(spIn, burst, egress);
        }
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        assertTrue(allocated < 64_000, "bytes allocated while switching 64000 offloaded frames: " + allocated);
        assertEquals(true, plain.frames > tso.frames, "the plain port got segments, the TSO port whole frames");
    }
}
