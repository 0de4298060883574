package io.virtwire.forwarder.switching;

import io.virtwire.forwarder.metrics.DropReason;
import io.virtwire.virtio.net.PacketBurst;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * An 802.1Q learning bridge. Per frame: VLAN by the ingress port's policy, MTU check, source address learned,
 * destination looked up; broadcast, multicast and unknown unicast flood to every other member of the VLAN. Each
 * frame is copied into the destination's staging burst, adding or removing the tag the egress port wants, except
 * in the common case of a burst whose frames all go, unchanged, to one learned port: that burst is sent as
 * received, without a copy (as {@link CrossConnect} does).
 *
 * <p>Offloads: a frame whose virtio-net header asks for something takes {@link OffloadedEgress} (the header goes
 * along, shifted by the tag change, or the checksum/segmentation is done in software for a port that cannot take
 * it), so it always ends the no-copy run. A GSO frame meets the MTU when its segments do (headers plus gso_size),
 * not by its own length.
 */
public final class L2Switch implements Forwarding {

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final int ETH_HEADER = 14;
    private static final int TAG = 4;
    private static final int TPID = 0x8100;
    private static final int ADDRESSES = 12;

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
            int payload = len - ETH_HEADER - (tagged ? TAG : 0);
            boolean offload = frames.hasOffload(i);
            if (offload) {
                payload = OffloadedEgress.l3Size(data, off, len, frames.headerOffset(i), payload, egress);
                if (payload < 0) {
                    inRun = endRun(inRun, run, runLength, frames, egress);
                    in.counters().dropped(DropReason.BAD_OFFLOAD, 1);
                    continue;
                }
            }
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
            long header = offload ? frames.headerOffset(i) : -1;
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
                emit(out, vlan, data, off, len, tagged, payload, egress, true, header);
            } else {
                for (SwitchPort p : ports) {
                    if (p != in) {
                        emit(p, vlan, data, off, len, tagged, payload, egress, false, header);
                    }
                }
            }
        }
        if (inRun && runLength > 0) {
            EgressBuffers.send(run, frames); // the whole burst, as received
        }
        egress.flushAll();
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

    /** @param header the frame's virtio-net header if it asks for offloads, else -1 */
    private static void emit(SwitchPort out, int vlan, MemorySegment data, long off, int len, boolean tagged,
                             int payload, EgressBuffers egress, boolean known, long header) {
        int tag = out.vlan().egressTag(vlan);
        if (tag == VlanPolicy.REFUSED) {
            if (known) {
                out.counters().dropped(DropReason.VLAN, 1); // a learned station moved out of the VLAN's ports
            }
            return;
        }
        if (payload > out.mtu()) {
            out.counters().dropped(DropReason.MTU, 1);
            return;
        }
        boolean addTag = tag != VlanPolicy.UNTAGGED;
        int outLen = len - (tagged ? TAG : 0) + (addTag ? TAG : 0);
        int tci = addTag ? (tagged ? data.get(U16, off + ETH_HEADER) & 0xF000 : 0) | tag : 0;
        if (header >= 0) {
            OffloadedEgress.emit(out, data, off, len, header, outLen, outLen - len, tagged, tci, egress);
            return;
        }
        PacketBurst b = egress.burstFor(out.slot());
        if (outLen > b.slotSize()) {
            out.counters().dropped(DropReason.MTU, 1);
            return;
        }
        int slot = b.append(outLen);
        copyRetagged(data, off, len, tagged, tci, b.data(), b.offset(slot));
    }

    /**
     * Copies the frame at {@code data[off, off+len)} to {@code dst[to...)} without its 802.1Q tag ({@code tagged})
     * and with tag {@code tci} (0: none) instead; the copy is {@code len - (tagged ? 4 : 0) + (tci != 0 ? 4 : 0)} long.
     */
    static void copyRetagged(MemorySegment data, long off, int len, boolean tagged, int tci, MemorySegment dst, long to) {
        MemorySegment.copy(data, off, dst, to, ADDRESSES);
        int restFrom = ADDRESSES + (tagged ? TAG : 0);
        int at = ADDRESSES;
        if (tci != 0) {
            dst.set(U16, to + ADDRESSES, (short) TPID);
            dst.set(U16, to + ADDRESSES + 2, (short) tci);
            at += TAG;
        }
        MemorySegment.copy(data, off + restFrom, dst, to + at, len - restFrom);
    }
}
