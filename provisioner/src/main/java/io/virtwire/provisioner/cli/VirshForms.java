package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.nic.NicType;
import java.util.List;

/**
 * virsh's spellings of attach-interface/detach-interface arguments: a value may be given positionally (as virsh's
 * DATA options) or as a flag, and both name the same thing.
 */
final class VirshForms {

    /** libvirt's interface types (virDomainNetType): detach-interface accepts any of them, as virsh does. */
    static final List<String> LIBVIRT_TYPES = List.of("user", "ethernet", "vhostuser", "server", "client", "mcast", "network",
            "bridge", "internal", "direct", "hostdev", "udp", "vdpa", "null", "vds");

    private VirshForms() {
    }

    /** The one value of a positional argument and a flag; both given and different is an error naming both. */
    static String agree(String positionalName, String positional, String flagName, String flag) {
        if (positional != null && flag != null && !positional.equals(flag)) {
            throw VirtwireException.invalid(positionalName + " '" + positional + "' and " + flagName + " '" + flag
                    + "' disagree: give the value once, positionally (as virsh) or with " + flagName);
        }
        return positional != null ? positional : flag;
    }

    static boolean isAttachType(String value) {
        for (NicType t : NicType.values()) {
            if (t.name().equals(value)) {
                return true;
            }
        }
        return false;
    }

    /** attach-interface's TYPE / --type: one of the kinds virtwire wires; virsh's other kinds are named as virsh's. */
    static NicType attachType(String positional, String flag) {
        String t = agree("TYPE", positional, "--type", flag);
        if (t == null) {
            throw VirtwireException.invalid("missing TYPE: give hostdev, vdpa or vhostuser, positionally"
                    + " (attach-interface DOMAIN TYPE SOURCE, as virsh) or with --type");
        }
        try {
            return NicType.valueOf(t);
        } catch (IllegalArgumentException e) {
            throw VirtwireException.invalid("invalid TYPE '" + t + "': virtwire attaches hostdev, vdpa or vhostuser"
                    + (LIBVIRT_TYPES.contains(t) ? "; for a " + t + " interface use virsh attach-interface" : ""));
        }
    }

    /** detach-interface's TYPE / --type: any libvirt interface type, or null when neither is given. */
    static String detachType(String positional, String flag) {
        String t = agree("TYPE", positional, "--type", flag);
        if (t != null && !LIBVIRT_TYPES.contains(t)) {
            throw VirtwireException.invalid("invalid TYPE '" + t + "': expected a libvirt interface type ("
                    + String.join(", ", LIBVIRT_TYPES) + ")");
        }
        return t;
    }
}
