package io.virtwire.forwarder.switching;

import io.virtwire.forwarder.metrics.DropReason;
import io.virtwire.virtio.net.PacketBurst;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.virtwire.forwarder.switching.Frames.BROADCAST;
import static io.virtwire.forwarder.switching.Frames.frame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class L2SwitchTest {

    private static final long A = 0x02_00_00_00_00_0AL;
    private static final long B = 0x02_00_00_00_00_0BL;
    private static final long C = 0x02_00_00_00_00_0CL;
    private static final long AGING = 1_000_000_000L;

    private PortTable table;
    private MacTable macs;
    private L2Switch sw;
    private EgressBuffers egress;
    private final PacketBurst burst = new PacketBurst();

    @BeforeEach
    void setUp() {
        table = new PortTable();
        macs = new MacTable(1024, AGING);
        sw = new L2Switch(table, macs);
        egress = new EgressBuffers(table);
    }

    private SwitchPort add(String name, VlanPolicy vlan, int mtu) {
        MemoryPort p = new MemoryPort(name);
        return table.add(slot -> new SwitchPort(slot, p, vlan, mtu, 0));
    }

    private SwitchPort add(String name) {
        return add(name, VlanPolicy.defaultAccess(), 1500);
    }

    private static MemoryPort mem(SwitchPort p) {
        return (MemoryPort) p.port();
    }

    private void send(SwitchPort in, byte[]... frames) {
        burst.clear();
        for (byte[] f : frames) {
            burst.add(f);
        }
        sw.forward(in, burst, egress);
    }

    @Test
    void unknownUnicastFloodsThenTheLearnedAddressGoesToOnePort() {
        SwitchPort p1 = add("p1");
        SwitchPort p2 = add("p2");
        SwitchPort p3 = add("p3");
        byte[] aToB = frame(B, A, -1, 50);
        send(p1, aToB);
        assertEquals(1, mem(p2).take().size(), "unknown B: flooded to p2");
        assertEquals(1, mem(p3).take().size(), "and to p3");
        assertEquals(0, mem(p1).take().size(), "never back out of the ingress port");
        assertEquals(p1.slot(), macs.lookup(1, A, System.nanoTime()), "A learned on p1");

        byte[] bToA = frame(A, B, -1, 60);
        send(p2, bToA);
        List<byte[]> atP1 = mem(p1).take();
        assertEquals(1, atP1.size());
        assertArrayEquals(bToA, atP1.get(0), "the frame arrives unchanged");
        assertEquals(0, mem(p3).take().size(), "A is known: p3 sees nothing");

        send(p1, aToB);
        assertEquals(1, mem(p2).take().size());
        assertEquals(0, mem(p3).take().size(), "B learned from its reply: no more flooding");
        assertEquals(2, p2.counters().txPackets(), "p2 sent the flood and the unicast");
        assertEquals(bToA.length, p1.counters().txBytes());
    }

    @Test
    void aBurstForOneLearnedPortArrivesWholeUnchangedAndInOrder() {
        SwitchPort p1 = add("p1");
        SwitchPort p2 = add("p2");
        SwitchPort p3 = add("p3");
        send(p2, frame(A, B, -1, 60));
        mem(p1).take();
        mem(p3).take();
        byte[][] toB = new byte[PacketBurst.DEFAULT_CAPACITY][];
        for (int i = 0; i < toB.length; i++) {
            toB[i] = frame(B, A, -1, 50 + i);
        }
        send(p1, toB);
        List<byte[]> atP2 = mem(p2).take();
        assertEquals(toB.length, atP2.size());
        for (int i = 0; i < toB.length; i++) {
            assertArrayEquals(toB[i], atP2.get(i), "frame " + i);
        }
        assertEquals(0, mem(p3).take().size());
        assertEquals(toB.length, p2.counters().txPackets());
    }

    @Test
    void aBurstThatStopsGoingToOnePortKeepsItsOrder() {
        SwitchPort p1 = add("p1");
        SwitchPort p2 = add("p2");
        SwitchPort p3 = add("p3");
        send(p2, frame(A, B, -1, 60));
        send(p3, frame(A, C, -1, 60));
        mem(p1).take();
        mem(p2).take();
        mem(p3).take();
        byte[] b1 = frame(B, A, -1, 50);
        byte[] b2 = frame(B, A, -1, 51);
        byte[] all = frame(BROADCAST, A, -1, 52);
        byte[] c1 = frame(C, A, -1, 53);
        byte[] b3 = frame(B, A, -1, 54);
        byte[] runt = new byte[10];
        send(p1, b1, b2, all, c1, b3, runt, b1);
        List<byte[]> atP2 = mem(p2).take();
        assertEquals(5, atP2.size(), "two before the broadcast, the broadcast, one more, one after the runt");
        assertArrayEquals(b1, atP2.get(0));
        assertArrayEquals(b2, atP2.get(1));
        assertArrayEquals(all, atP2.get(2));
        assertArrayEquals(b3, atP2.get(3));
        assertArrayEquals(b1, atP2.get(4));
        List<byte[]> atP3 = mem(p3).take();
        assertEquals(2, atP3.size());
        assertArrayEquals(all, atP3.get(0));
        assertArrayEquals(c1, atP3.get(1));
        assertEquals(1, p1.counters().drops(DropReason.RUNT));
    }

    @Test
    void aStationThatMovesInTheMiddleOfABurstIsFollowedWithinIt() {
        SwitchPort p1 = add("p1");
        SwitchPort p2 = add("p2");
        add("p3");
        send(p2, frame(A, B, -1, 60));
        mem(p1).take();
        // first frame: B is on p2; the second comes from B itself, now on p1, and is for B: same port
        send(p1, frame(B, A, -1, 50), frame(B, B, -1, 51));
        assertEquals(1, mem(p2).take().size(), "only the frame sent before B moved goes to p2");
        assertEquals(1, p1.counters().drops(DropReason.SAME_PORT));
        assertEquals(p1.slot(), macs.lookup(1, B, System.nanoTime()));
    }

    @Test
    void broadcastAndMulticastAlwaysFlood() {
        SwitchPort p1 = add("p1");
        SwitchPort p2 = add("p2");
        SwitchPort p3 = add("p3");
        send(p2, frame(A, B, -1, 10)); // learn nothing useful for dst; B on p2
        mem(p1).take();
        mem(p3).take();
        send(p1, frame(BROADCAST, A, -1, 28), frame(0x01_00_5E_00_00_01L, A, -1, 28));
        assertEquals(2, mem(p2).take().size());
        assertEquals(2, mem(p3).take().size());
    }

    @Test
    void addressesAgeOutAndThenFloodAgain() {
        SwitchPort p1 = add("p1");
        add("p2");
        long t0 = 1_000_000_000_000L;
        macs.learn(1, A, p1.slot(), t0);
        assertEquals(p1.slot(), macs.lookup(1, A, t0 + AGING - 1));
        assertEquals(-1, macs.lookup(1, A, t0 + AGING + 1), "older than the aging time: unknown");
        macs.learn(1, A, p1.slot(), t0 + AGING + 2);
        assertEquals(p1.slot(), macs.lookup(1, A, t0 + AGING + 3), "relearned");
        assertEquals(1, macs.entries(t0 + AGING + 3).size(), "the stale entry was reused, not duplicated");
    }

    @Test
    void aStationThatMovesIsFollowed() {
        SwitchPort p1 = add("p1");
        SwitchPort p2 = add("p2");
        SwitchPort p3 = add("p3");
        send(p1, frame(BROADCAST, A, -1, 10));
        send(p3, frame(BROADCAST, A, -1, 10));
        assertEquals(p3.slot(), macs.lookup(1, A, System.nanoTime()));
        mem(p1).take();
        mem(p3).take();
        send(p2, frame(A, B, -1, 10));
        assertEquals(1, mem(p3).take().size());
        assertEquals(0, mem(p1).take().size());
    }

    @Test
    void aFrameForTheIngressPortIsDroppedAndCounted() {
        SwitchPort p1 = add("p1");
        add("p2");
        send(p1, frame(BROADCAST, A, -1, 10), frame(BROADCAST, B, -1, 10));
        send(p1, frame(B, A, -1, 10));
        assertEquals(1, p1.counters().drops(DropReason.SAME_PORT));
    }

    @Test
    void accessPortsOnDifferentVlansAreIsolated() {
        SwitchPort red1 = add("red1", VlanPolicy.access(10), 1500);
        SwitchPort red2 = add("red2", VlanPolicy.access(10), 1500);
        SwitchPort blue = add("blue", VlanPolicy.access(20), 1500);
        send(red1, frame(BROADCAST, A, -1, 40));
        List<byte[]> r2 = mem(red2).take();
        assertEquals(1, r2.size());
        assertEquals(-1, Frames.vid(r2.get(0)), "access ports send untagged");
        assertEquals(0, mem(blue).take().size(), "VLAN 20 does not see VLAN 10's broadcast");
        send(blue, frame(A, C, -1, 40));
        assertEquals(0, mem(red1).take().size(), "A is known on VLAN 10 only: blue's frame floods VLAN 20 (nobody)");
    }

    @Test
    void anAccessPortRefusesTaggedFramesButTakesPriorityTags() {
        SwitchPort p1 = add("p1", VlanPolicy.access(10), 1500);
        SwitchPort p2 = add("p2", VlanPolicy.access(10), 1500);
        send(p1, frame(BROADCAST, A, 10, 40));
        assertEquals(1, p1.counters().drops(DropReason.VLAN));
        assertEquals(0, mem(p2).take().size());
        send(p1, frame(BROADCAST, A, 0, 40));
        List<byte[]> out = mem(p2).take();
        assertEquals(1, out.size(), "VID 0 is a priority tag: the frame belongs to the access VLAN");
        assertEquals(-1, Frames.vid(out.get(0)));
    }

    @Test
    void aTrunkCarriesTagsOfAllowedVlansAndItsNativeVlanUntagged() {
        SwitchPort access10 = add("a10", VlanPolicy.access(10), 1500);
        SwitchPort access30 = add("a30", VlanPolicy.access(30), 1500);
        SwitchPort access1 = add("a1", VlanPolicy.access(1), 1500);
        SwitchPort trunk = add("trunk", VlanPolicy.trunk(List.of(10, 20), 1), 1500);

        byte[] plain = frame(BROADCAST, A, -1, 40);
        send(access10, plain);
        List<byte[]> t = mem(trunk).take();
        assertEquals(1, t.size());
        assertEquals(10, Frames.vid(t.get(0)), "the trunk adds VLAN 10's tag");
        assertArrayEquals(plain, Frames.untagged(t.get(0)), "and changes nothing else");

        send(access30, frame(BROADCAST, B, -1, 40));
        assertEquals(0, mem(trunk).take().size(), "VLAN 30 is not allowed on the trunk");

        send(access1, frame(BROADCAST, C, -1, 40));
        List<byte[]> n = mem(trunk).take();
        assertEquals(1, n.size());
        assertEquals(-1, Frames.vid(n.get(0)), "the native VLAN leaves the trunk untagged");

        byte[] tagged10 = frame(A, B, 10, 40);
        send(trunk, tagged10);
        List<byte[]> at10 = mem(access10).take();
        assertEquals(1, at10.size(), "A was learned on VLAN 10 / a10");
        assertArrayEquals(Frames.untagged(tagged10), at10.get(0), "the access port strips the tag");

        send(trunk, frame(BROADCAST, B, 30, 40));
        assertEquals(1, trunk.counters().drops(DropReason.VLAN), "tag 30 is refused on ingress");

        send(trunk, frame(BROADCAST, B, -1, 40));
        assertEquals(1, mem(access1).take().size(), "untagged on the trunk = native VLAN 1");
        assertEquals(0, mem(access10).take().size());
    }

    @Test
    void aTrunkWithoutNativeVlanRefusesUntaggedFrames() {
        SwitchPort trunk = add("trunk", VlanPolicy.trunk(List.of(10), 0), 1500);
        add("a10", VlanPolicy.access(10), 1500);
        send(trunk, frame(BROADCAST, A, -1, 40));
        assertEquals(1, trunk.counters().drops(DropReason.VLAN));
    }

    @Test
    void framesOverTheMtuAreDroppedOnIngressAndOnEgress() {
        SwitchPort big = add("big", VlanPolicy.defaultAccess(), 9000);
        SwitchPort small = add("small", VlanPolicy.defaultAccess(), 1500);
        SwitchPort big2 = add("big2", VlanPolicy.defaultAccess(), 9000);
        send(big, frame(BROADCAST, A, -1, 4000));
        assertEquals(1, small.counters().drops(DropReason.MTU), "egress: 4000 > small's 1500");
        assertEquals(1, mem(big2).take().size(), "big2 takes it");
        send(small, frame(BROADCAST, B, -1, 1501));
        assertEquals(2, small.counters().drops(DropReason.MTU), "ingress: 1501 > small's 1500");
        assertEquals(0, mem(big).take().size(), "dropped before switching");
        send(small, frame(BROADCAST, B, -1, 1500));
        assertEquals(1, mem(big).take().size(), "exactly the MTU passes");
        assertEquals(2, small.counters().drops(DropReason.MTU));
    }

    @Test
    void framesLikeTheOnesBeforeThemStillMeetTheEgressMtu() {
        SwitchPort p1 = add("p1");
        SwitchPort p2 = add("p2", VlanPolicy.defaultAccess(), 100);
        send(p2, frame(A, B, -1, 60));
        mem(p1).take();
        // same addresses and first payload bytes, so the same head; only the sizes differ
        byte[] small = frame(B, A, -1, 50);
        byte[] fits = frame(B, A, -1, 100);
        byte[] tooBig = frame(B, A, -1, 101);
        byte[] after = frame(B, A, -1, 70);
        send(p1, small, fits, tooBig, after, small);
        List<byte[]> atP2 = mem(p2).take();
        assertEquals(4, atP2.size(), "all but the one over p2's MTU");
        assertArrayEquals(small, atP2.get(0));
        assertArrayEquals(fits, atP2.get(1));
        assertArrayEquals(after, atP2.get(2));
        assertArrayEquals(small, atP2.get(3));
        assertEquals(1, p2.counters().drops(DropReason.MTU));
    }

    @Test
    void runtsAreDropped() {
        SwitchPort p1 = add("p1");
        add("p2");
        send(p1, new byte[10]);
        assertEquals(1, p1.counters().drops(DropReason.RUNT));
    }

    @Test
    void aPortWithoutBuffersCountsWhatItCouldNotTake() {
        SwitchPort p1 = add("p1");
        SwitchPort p2 = add("p2");
        mem(p2).room = 3;
        byte[][] frames = new byte[10][];
        for (int i = 0; i < 10; i++) {
            frames[i] = frame(BROADCAST, A, -1, 20);
        }
        send(p1, frames);
        assertEquals(3, p2.counters().txPackets());
        assertEquals(7, p2.counters().drops(DropReason.NO_BUFFERS));
        mem(p2).up = false;
        send(p1, frame(BROADCAST, A, -1, 20));
        assertEquals(1, p2.counters().drops(DropReason.PORT_DOWN));
    }

    @Test
    void moreFramesForOnePortThanABurstHoldsAllArrive() {
        SwitchPort p1 = add("p1");
        SwitchPort p2 = add("p2");
        for (int round = 0; round < 3; round++) {
            burst.clear();
            for (int i = 0; i < PacketBurst.DEFAULT_CAPACITY; i++) {
                burst.add(frame(BROADCAST, A, -1, 20 + i));
            }
            sw.forward(p1, burst, egress);
        }
        assertEquals(96, mem(p2).take().size());
    }

    @Test
    void removingAPortForgetsItsAddresses() {
        SwitchPort p1 = add("p1");
        add("p2");
        send(p1, frame(BROADCAST, A, -1, 20));
        macs.flush(p1.slot());
        assertEquals(-1, macs.lookup(1, A, System.nanoTime()));
    }
}
