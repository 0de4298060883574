package io.virtwire.forwarder.switching;

import io.virtwire.forwarder.metrics.DropReason;
import io.virtwire.virtio.net.PacketBurst;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * An 802.1Q learning bridge. A frame goes one way, in three steps:
 * <ol>
 *   <li>classify (here): VLAN by the ingress port's policy, MTU check, source address learned, destination looked
 *       up, into a {@link SwitchedFrame}; broadcast, multicast and unknown unicast flood to every other member of
 *       the VLAN;</li>
 *   <li>choose the egress form per destination port ({@link EgressForm}): as is or retagged, offload kept,
 *       checksum completed, segmented;</li>
 *   <li>copy once into that port's staging burst ({@link SwitchedFrame#copyTo}).</li>
 * </ol>
 * The common case skips steps 2 and 3: a burst whose frames all go, unchanged, to one learned port is sent as
 * received, without a copy (as {@link CrossConnect} does). A frame whose virtio-net header asks for something
 * always ends that no-copy run; a GSO frame meets the MTU when its segments do (headers plus gso_size), not by
 * its own length.
 */
public final class L2Switch implements Forwarding {

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final int ETH_HEADER = SwitchedFrame.ETH_HEADER;
    private static final int TAG = SwitchedFrame.TAG;
    private static final int TPID = SwitchedFrame.TPID;
    private static final int ADDRESSES = SwitchedFrame.ADDRESSES;

    private final PortTable table;
    private final MacTable macs;

    public L2Switch(PortTable table, MacTable macs) {
        this.table = table;
        this.macs = macs;
    }

    public MacTable macs() {
        return macs;
    }

    @Override
    public void forward(SwitchPort in, PacketBurst frames, EgressBuffers egress) {
        long now = System.nanoTime();
        MemorySegment data = frames.data();
        SwitchPort[] ports = table.ports();
        int n = frames.count();
        // While every frame so far goes unchanged to the same learned port (the run), nothing is copied; the
        // first frame that does not ends the run: the run's frames are copied to staging, in order, and the
        // rest of the burst takes the per-frame path.
        SwitchPort run = null;
        int runLength = 0;
        boolean inRun = true;
        // A frame's head is its first 16 bytes, two loads: addresses, then type or tag (slots are at least 64 bytes,
        // so a shorter frame's head is read from its slot and simply matches nothing it should not).
        int lastVlan = VlanPolicy.REFUSED; // the previous frame's VLAN, head and lookup; no frame yet: matches none
        long lastHead = 0;
        long lastHeadTail = 0;
        int lastTarget = -1;
        // the run's fast path (below): a head the run took, and the payload limit it met; no frame matches before
        // one is set, since runMtu < 0
        long runHead = 0;
        long runHeadTail = 0;
        int runHeaderBytes = ETH_HEADER;
        int runMtu = -1;
        for (int i = 0; i < n; i++) {
            long off = frames.offset(i);
            int len = frames.length(i);
            long head = data.get(LE64, off);
            long headTail = data.get(LE64, off + 8);
            // Within the run, a frame with the head of a frame the run took gets the same VLAN, learn, lookup and
            // egress tagging: only its size and offload flag can differ, so only they are checked
            // (docs/benchmarks.md, change 16).
            if (inRun && len >= ETH_HEADER + TAG && head == runHead && headTail == runHeadTail
                    && len - runHeaderBytes <= runMtu && !frames.hasOffload(i)) {
                runLength++;
                continue;
            }
            if (len < ETH_HEADER) {
                inRun = endRun(inRun, run, runLength, frames, egress);
                in.counters().dropped(DropReason.RUNT, 1);
                continue;
            }
            boolean tagged = (data.get(U16, off + ADDRESSES) & 0xFFFF) == TPID;
            if (tagged && len < ETH_HEADER + TAG) {
                inRun = endRun(inRun, run, runLength, frames, egress);
                in.counters().dropped(DropReason.RUNT, 1);
                continue;
            }
            int vid = tagged ? data.get(U16, off + ETH_HEADER) & 0x0FFF : 0;
            int vlan = in.vlan().ingressVlan(tagged, vid);
            if (vlan == VlanPolicy.REFUSED) {
                inRun = endRun(inRun, run, runLength, frames, egress);
                in.counters().dropped(DropReason.VLAN, 1);
                continue;
            }
            SwitchedFrame f = egress.frame();
            f.of(frames, i, tagged, vlan);
            boolean offload = frames.hasOffload(i);
            if (offload && !f.withOffload(frames.headerOffset(i), egress.tcpFrame())) {
                inRun = endRun(inRun, run, runLength, frames, egress);
                in.counters().dropped(DropReason.BAD_OFFLOAD, 1);
                continue;
            }
            int payload = f.l3Size;
            if (payload > in.mtu()) {
                inRun = endRun(inRun, run, runLength, frames, egress);
                in.counters().dropped(DropReason.MTU, 1);
                continue;
            }
            // A burst is mostly one conversation: a frame with the previous one's VLAN and head (so its addresses)
            // repeats its learn and lookup, so they are skipped (docs/benchmarks.md, change 14).
            int target;
            if (vlan == lastVlan && head == lastHead && headTail == lastHeadTail) {
                target = lastTarget;
            } else {
                long dst = mac(data, off);
                long src = mac(data, off + 6);
                if ((src & 0x0100_0000_0000L) == 0) {
                    macs.learn(vlan, src, in.slot(), now);
                }
                target = (dst & 0x0100_0000_0000L) != 0 ? -1 : macs.lookup(vlan, dst, now);
                lastVlan = vlan;
                lastHead = head;
                lastHeadTail = headTail;
                lastTarget = target;
            }
            if (target == in.slot()) {
                inRun = endRun(inRun, run, runLength, frames, egress);
                in.counters().dropped(DropReason.SAME_PORT, 1);
                continue;
            }
            SwitchPort out = target < 0 ? null : table.get(target);
            if (inRun) {
                if (!offload && out != null && (run == null || run == out) && unchanged(out, vlan, tagged, vid, payload)) {
                    run = out;
                    runLength++;
                    if (len >= ETH_HEADER + TAG) {
                        runHead = head;
                        runHeadTail = headTail;
                        runHeaderBytes = ETH_HEADER + (tagged ? TAG : 0);
                        runMtu = Math.min(in.mtu(), out.mtu());
                    }
                    continue;
                }
                inRun = endRun(true, run, runLength, frames, egress);
            }
            if (out != null) {
                EgressForm.send(out, f, true, egress);
            } else {
                for (SwitchPort p : ports) {
                    if (p != in) {
                        EgressForm.send(p, f, false, egress);
                    }
                }
            }
        }
        if (inRun && runLength > 0) {
            EgressBuffers.send(run, frames); // the whole burst, as received
        }
        egress.flushAll();
    }

    @Override
    public boolean readsHeads() {
        return true;
    }

    /**
     * The one learned port that every frame of {@code heads} goes to unchanged (the no-copy run of
     * {@link #forward}, over the whole batch), or null. Learns the sources of the frames it accepts, as
     * {@link #forward} would; counts nothing (a frame it declines goes to {@link #forward}, which counts it).
     */
    @Override
    public SwitchPort directPeer(SwitchPort in, PacketBurst heads) {
        long now = System.nanoTime();
        MemorySegment data = heads.data();
        SwitchPort run = null;
        long runHead = 0;
        long runHeadTail = 0;
        int runHeaderBytes = 0;
        int runMtu = -1; // no frame matches the run's head before the first is taken
        for (int i = 0; i < heads.count(); i++) {
            long off = heads.offset(i);
            int len = heads.length(i);
            long head = data.get(LE64, off);
            long headTail = data.get(LE64, off + 8);
            if (head == runHead && headTail == runHeadTail && len - runHeaderBytes <= runMtu) {
                continue; // the addresses and tag of a frame taken: same VLAN, learn, lookup; only the size differs
            }
            boolean tagged = (data.get(U16, off + ADDRESSES) & 0xFFFF) == TPID;
            int headerBytes = ETH_HEADER + (tagged ? TAG : 0);
            if (len < headerBytes) {
                return null;
            }
            int vid = tagged ? data.get(U16, off + ETH_HEADER) & 0x0FFF : 0;
            int vlan = in.vlan().ingressVlan(tagged, vid);
            int payload = len - headerBytes;
            if (vlan == VlanPolicy.REFUSED || payload > in.mtu()) {
                return null;
            }
            long dst = mac(data, off);
            long src = mac(data, off + 6);
            if ((dst & 0x0100_0000_0000L) != 0) {
                return null; // broadcast or multicast: flooded
            }
            if ((src & 0x0100_0000_0000L) == 0) {
                macs.learn(vlan, src, in.slot(), now);
            }
            int target = macs.lookup(vlan, dst, now);
            SwitchPort out = target < 0 || target == in.slot() ? null : table.get(target);
            if (out == null || (run != null && run != out) || !unchanged(out, vlan, tagged, vid, payload)) {
                return null;
            }
            run = out;
            runHead = head;
            runHeadTail = headTail;
            runHeaderBytes = headerBytes;
            runMtu = Math.min(in.mtu(), out.mtu());
        }
        return run;
    }

    /** Whether {@code out} takes the frame as it is: same tagging, within its MTU. */
    private static boolean unchanged(SwitchPort out, int vlan, boolean tagged, int vid, int payload) {
        int tag = out.vlan().egressTag(vlan);
        return payload <= out.mtu() && (tagged ? vid != 0 && tag == vid : tag == VlanPolicy.UNTAGGED);
    }

    /** Leaves the no-copy run: its frames, the first {@code length} of the burst, go to staging. Returns false. */
    private static boolean endRun(boolean inRun, SwitchPort run, int length, PacketBurst frames, EgressBuffers egress) {
        if (!inRun) {
            return false;
        }
        MemorySegment data = frames.data();
        for (int i = 0; i < length; i++) {
            int len = frames.length(i);
            PacketBurst b = egress.burstFor(run.slot());
            int slot = b.append(len);
            MemorySegment.copy(data, frames.offset(i), b.data(), b.offset(slot), len);
        }
        return false;
    }

    private static long mac(MemorySegment data, long off) {
        return ((data.get(U32, off) & 0xFFFF_FFFFL) << 16) | (data.get(U16, off + 4) & 0xFFFF);
    }
}
