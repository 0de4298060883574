package io.virtwire.forwarder.switching;

import com.sun.management.ThreadMXBean;
import io.virtwire.vhostuser.net.PacketBurst;
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
}
