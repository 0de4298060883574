package io.virtwire.forwarder.switching;

import io.virtwire.forwarder.metrics.LinkTracker;
import io.virtwire.forwarder.metrics.PortCounters;
import io.virtwire.forwarder.port.Port;

/** A port as the switch sees it: its slot (the number the MAC table stores), VLAN policy, MTU and counters. */
public final class SwitchPort {

    public static final int DEFAULT_MTU = 1500;

    private final int slot;
    private final Port port;
    private final VlanPolicy vlan;
    private final int mtu;
    private final PortCounters counters = new PortCounters();
    private final LinkTracker link;
    private final boolean largeFrames;

    public SwitchPort(int slot, Port port, VlanPolicy vlan, int mtu, long downSinceMillis) {
        if (mtu < 68 || mtu > 9000) {
            throw new IllegalArgumentException("MTU " + mtu + " is outside 68..9000");
        }
        this.slot = slot;
        this.port = port;
        this.vlan = vlan;
        this.mtu = mtu;
        this.link = new LinkTracker(downSinceMillis);
        this.largeFrames = port.largeFrames();
    }

    public int slot() {
        return slot;
    }

    public Port port() {
        return port;
    }

    public String name() {
        return port.name();
    }

    public VlanPolicy vlan() {
        return vlan;
    }

    /** Largest L3 payload (frame minus Ethernet and VLAN headers) the port takes or sends. */
    public int mtu() {
        return mtu;
    }

    /** {@link Port#largeFrames()}, read once: the port carries offloads (64 KiB GSO frames, virtio-net headers). */
    public boolean largeFrames() {
        return largeFrames;
    }

    public PortCounters counters() {
        return counters;
    }

    public LinkTracker link() {
        return link;
    }
}
