package io.virtwire.forwarder.switching;

import io.virtwire.forwarder.metrics.DropReason;
import io.virtwire.virtio.net.Offloads;
import io.virtwire.virtio.net.PacketBurst;
import io.virtwire.virtio.net.VirtioNetHeader;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Port-to-port wiring: everything port A receives leaves through port B and back, untouched (no learning, no
 * VLAN or MTU rules; the received burst itself is transmitted, without a copy). For benchmarks and simple
 * point-to-point links. Offloads pass with the frames; only when a frame asks for one the peer cannot take
 * (checked only on ports that carry offloads) is the burst copied, with that work done in software.
 */
public final class CrossConnect implements Forwarding {

    private final PortTable table;
    private final int[] peer = new int[PortTable.MAX_PORTS];

    public CrossConnect(PortTable table) {
        this.table = table;
        java.util.Arrays.fill(peer, -1);
    }

    public synchronized void connect(SwitchPort a, SwitchPort b) {
        peer[a.slot()] = b.slot();
        peer[b.slot()] = a.slot();
    }

    public synchronized void disconnect(SwitchPort port) {
        int other = peer[port.slot()];
        peer[port.slot()] = -1;
        if (other >= 0) {
            peer[other] = -1;
        }
    }

    @Override
    public void forward(SwitchPort in, PacketBurst frames, EgressBuffers egress) {
        int p = peer[in.slot()];
        SwitchPort out = p < 0 ? null : table.get(p);
        if (out == null) {
            in.counters().dropped(DropReason.PORT_DOWN, frames.count());
            return;
        }
        if (in.largeFrames() && !fitsAsIs(frames, out)) {
            // some frame asks for an offload the peer cannot take: copy the burst, completing those in software
            SwitchedFrame f = egress.frame();
            for (int i = 0; i < frames.count(); i++) {
                f.of(frames, i, false, 0);
                if (frames.hasOffload(i)) {
                    f.header = frames.headerOffset(i);
                }
                EgressForm.send(out, f, 0, egress); // untagged in, untagged out: no VLAN here
            }
            egress.flushAll();
            return;
        }
        EgressBuffers.send(out, frames);
    }

    /**
     * The peer, without looking at the frames: a cross-connect sends everything on unchanged. The frames of a port
     * that goes this way carry no offloads (its guest sends none); a port with large slots into one without keeps
     * the staged way, whose {@link #fitsAsIs} check completes what the peer cannot take.
     */
    @Override
    public SwitchPort directPeer(SwitchPort in, PacketBurst heads) {
        int p = peer[in.slot()];
        SwitchPort out = p < 0 ? null : table.get(p);
        return out == null || (in.largeFrames() && !out.largeFrames()) ? null : out;
    }

    /** Whether every frame's header is one {@code out} takes as it is, and every frame fits its bursts. */
    private static boolean fitsAsIs(PacketBurst frames, SwitchPort out) {
        int accepted = -1;
        for (int i = 0; i < frames.count(); i++) {
            if (frames.length(i) > PacketBurst.SLOT_SIZE && !out.largeFrames()) {
                return false;
            }
            if (frames.hasOffload(i)) {
                if (accepted < 0) {
                    accepted = out.port().offloadsAccepted();
                }
                MemorySegment d = frames.data();
                long h = frames.headerOffset(i);
                if (!Offloads.fits(d.get(ValueLayout.JAVA_BYTE, h + VirtioNetHeader.FLAGS) & 0xFF,
                        d.get(ValueLayout.JAVA_BYTE, h + VirtioNetHeader.GSO_TYPE) & 0xFF, accepted)) {
                    return false;
                }
            }
        }
        return true;
    }
}
