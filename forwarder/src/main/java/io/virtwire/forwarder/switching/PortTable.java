package io.virtwire.forwarder.switching;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The switch's ports by slot. Workers read a snapshot array without locking; the control plane replaces it
 * (copy on write) when a port comes or goes.
 */
public final class PortTable {

    public static final int MAX_PORTS = 256;

    private volatile SwitchPort[] slots = new SwitchPort[MAX_PORTS];
    private volatile SwitchPort[] active = new SwitchPort[0];

    /** Adds the port built for the lowest free slot. */
    public synchronized SwitchPort add(IntFunction<SwitchPort> factory) {
        SwitchPort[] s = slots;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == null) {
                SwitchPort p = factory.apply(i);
                SwitchPort[] next = s.clone();
                next[i] = p;
                publish(next);
                return p;
            }
        }
        throw new IllegalStateException("the forwarder has " + MAX_PORTS + " ports, its maximum: remove one first");
    }

    public synchronized void remove(SwitchPort port) {
        SwitchPort[] next = slots.clone();
        if (next[port.slot()] == port) {
            next[port.slot()] = null;
            publish(next);
        }
    }

    private void publish(SwitchPort[] next) {
        List<SwitchPort> list = new ArrayList<>();
        for (SwitchPort p : next) {
            if (p != null) {
                list.add(p);
            }
        }
        slots = next;
        active = list.toArray(new SwitchPort[0]);
    }

    /** The port in {@code slot}, or null. */
    public SwitchPort get(int slot) {
        return slots[slot];
    }

    /** Every port, in slot order; the array is never modified. */
    public SwitchPort[] ports() {
        return active;
    }

    public SwitchPort byName(String name) {
        for (SwitchPort p : active) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        return null;
    }
}
