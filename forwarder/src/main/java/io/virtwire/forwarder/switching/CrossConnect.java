package io.virtwire.forwarder.switching;

import io.virtwire.forwarder.metrics.DropReason;
import io.virtwire.vhostuser.net.PacketBurst;

/**
 * Port-to-port wiring: everything port A receives leaves through port B and back, untouched (no learning, no
 * VLAN or MTU rules; the received burst itself is transmitted, without a copy). For benchmarks and simple
 * point-to-point links.
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
        EgressBuffers.send(out, frames);
    }
}
