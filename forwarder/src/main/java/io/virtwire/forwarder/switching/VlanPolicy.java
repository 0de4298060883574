package io.virtwire.forwarder.switching;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A port's VLAN membership. Access: untagged frames belong to {@link #accessVlan()}, which leaves untagged;
 * tagged frames are refused (priority tags, VID 0, count as untagged). Trunk: tagged frames of allowed VLANs keep
 * their tag; untagged frames belong to the native VLAN (refused without one) and leave untagged.
 */
public final class VlanPolicy {

    public static final int MIN_VID = 1;
    public static final int MAX_VID = 4094;
    /** {@link #egressTag}: leaves untagged. */
    public static final int UNTAGGED = 0;
    /** {@link #ingressVlan} / {@link #egressTag}: not a member. */
    public static final int REFUSED = -1;

    public enum Mode { ACCESS, TRUNK }

    private final Mode mode;
    private final int accessVlan;
    private final int nativeVlan;
    private final long[] allowed = new long[64];

    private VlanPolicy(Mode mode, int accessVlan, int nativeVlan, Collection<Integer> allowedVlans) {
        this.mode = mode;
        this.accessVlan = accessVlan;
        this.nativeVlan = nativeVlan;
        for (int v : allowedVlans) {
            allowed[v >>> 6] |= 1L << (v & 63);
        }
    }

    public static VlanPolicy access(int vlan) {
        check(vlan, "access VLAN");
        return new VlanPolicy(Mode.ACCESS, vlan, 0, List.of());
    }

    /** @param nativeVlan 0 for none (untagged frames are refused) */
    public static VlanPolicy trunk(Collection<Integer> allowedVlans, int nativeVlan) {
        if (allowedVlans.isEmpty()) {
            throw new IllegalArgumentException("a trunk needs at least one allowed VLAN (" + MIN_VID + ".." + MAX_VID + ")");
        }
        for (int v : allowedVlans) {
            check(v, "allowed VLAN");
        }
        if (nativeVlan != 0) {
            check(nativeVlan, "native VLAN");
        }
        return new VlanPolicy(Mode.TRUNK, 0, nativeVlan, allowedVlans);
    }

    public static VlanPolicy defaultAccess() {
        return access(1);
    }

    private static void check(int vlan, String what) {
        if (vlan < MIN_VID || vlan > MAX_VID) {
            throw new IllegalArgumentException(what + " " + vlan + " is outside " + MIN_VID + ".." + MAX_VID
                    + " (0 and 4095 are reserved by 802.1Q)");
        }
    }

    public Mode mode() {
        return mode;
    }

    public int accessVlan() {
        return accessVlan;
    }

    public int nativeVlan() {
        return nativeVlan;
    }

    public boolean allows(int vlan) {
        return vlan >= MIN_VID && vlan <= MAX_VID && (allowed[vlan >>> 6] & (1L << (vlan & 63))) != 0;
    }

    public List<Integer> allowedVlans() {
        List<Integer> out = new ArrayList<>();
        for (int v = MIN_VID; v <= MAX_VID; v++) {
            if (allows(v)) {
                out.add(v);
            }
        }
        return out;
    }

    /** The VLAN a frame arriving on this port belongs to, or {@link #REFUSED}. */
    public int ingressVlan(boolean tagged, int vid) {
        if (mode == Mode.ACCESS) {
            return !tagged || vid == 0 ? accessVlan : REFUSED;
        }
        if (!tagged || vid == 0) {
            return nativeVlan != 0 ? nativeVlan : REFUSED;
        }
        return allows(vid) ? vid : REFUSED;
    }

    /** The tag a frame of {@code vlan} leaves this port with: {@link #UNTAGGED}, the VID, or {@link #REFUSED}. */
    public int egressTag(int vlan) {
        if (mode == Mode.ACCESS) {
            return vlan == accessVlan ? UNTAGGED : REFUSED;
        }
        if (vlan == nativeVlan) {
            return UNTAGGED;
        }
        return allows(vlan) ? vlan : REFUSED;
    }

    @Override
    public String toString() {
        return mode == Mode.ACCESS ? "access " + accessVlan : "trunk " + allowedVlans() + " native " + nativeVlan;
    }
}
