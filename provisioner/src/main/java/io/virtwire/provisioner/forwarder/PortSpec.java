package io.virtwire.provisioner.forwarder;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.virtwire.provisioner.VirtwireException;

import java.util.List;
import java.util.regex.Pattern;

/**
 * A forwarder port as {@code port.add} takes it (the daemon's PortConfig):
 * {@code {name, type: vhost-user|tap|af-packet, socket, mode: server|client, queues, mtu, iface, vlan, offloads}}. The constructor
 * refuses what the CLI can tell is wrong before anything is sent (names the value, the rule and the fix); what only
 * the daemon can tell (a socket in use, a missing interface) comes back as its error.
 *
 * <p>{@code mode} is the forwarder's side: {@code server} (it listens; libvirt {@code <source mode='client'>}) or
 * {@code client} (QEMU listens; libvirt {@code <source mode='server'>}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PortSpec(String name, String type, String socket, String mode, Integer queues, Integer queueSize,
                       String iface, Integer mtu, Vlan vlan, Boolean offloads) {

    /** Without {@code offloads}: the daemon's default (off). */
    public PortSpec(String name, String type, String socket, String mode, Integer queues, Integer queueSize,
                    String iface, Integer mtu, Vlan vlan) {
        this(name, type, socket, mode, queues, queueSize, iface, mtu, vlan, null);
    }

    public static final String VHOST_USER = "vhost-user";
    public static final String TAP = "tap";
    public static final String AF_PACKET = "af-packet";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}");

    /** {@code {mode: access, id}} or {@code {mode: trunk, allowed, native}}; absent means access VLAN 1. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Vlan(String mode, Integer id, List<Integer> allowed, @JsonProperty("native") Integer nativeVlan) {

        public Vlan {
            if ("access".equals(mode)) {
                checkTag(id, "--vlan");
            } else if ("trunk".equals(mode)) {
                if (allowed == null || allowed.isEmpty()) {
                    throw VirtwireException.invalid("--trunk needs at least one VLAN tag, e.g. --trunk 10,20");
                }
                allowed.forEach(t -> checkTag(t, "--trunk"));
                allowed = List.copyOf(allowed);
                if (nativeVlan != null) {
                    checkTag(nativeVlan, "--native");
                }
            } else {
                throw VirtwireException.invalid("VLAN mode '" + mode + "' is neither access nor trunk");
            }
        }

        public static Vlan access(int tag) {
            return new Vlan("access", tag, null, null);
        }

        public static Vlan trunk(List<Integer> allowed, Integer nativeVlan) {
            return new Vlan("trunk", null, allowed, nativeVlan);
        }

        private static void checkTag(Integer tag, String option) {
            if (tag == null || tag < 1 || tag > 4094) {
                throw VirtwireException.invalid(option + " " + tag + " is outside 1..4094 (0 and 4095 are reserved by 802.1Q)");
            }
        }
    }

    public PortSpec {
        if (name == null || !NAME.matcher(name).matches()) {
            throw VirtwireException.invalid("port name '" + name + "' must be 1..64 letters, digits, '_', '.', ':' or '-',"
                    + " starting with a letter or digit");
        }
        switch (type) {
            case VHOST_USER -> {
                if (socket == null) {
                    throw VirtwireException.invalid("a vhost-user port needs --socket PATH");
                }
                if (!socket.startsWith("/")) {
                    throw VirtwireException.invalid("--socket '" + socket + "' must be an absolute path: the forwarder"
                            + " and QEMU resolve it in their own working directories");
                }
                if (mode != null && !mode.equals("server") && !mode.equals("client")) {
                    throw VirtwireException.invalid("--mode '" + mode + "' is neither server (the forwarder listens) nor client (QEMU listens)");
                }
                if (iface != null) {
                    throw VirtwireException.invalid("--ifname is for --type tap and afpacket; a vhost-user port has --socket");
                }
            }
            case TAP, AF_PACKET -> {
                String cli = type.equals(TAP) ? "tap" : "afpacket";
                if (iface == null || iface.isEmpty() || iface.length() > 15 || iface.contains("/") || iface.isBlank()) {
                    throw VirtwireException.invalid("--type " + cli + " needs --ifname IF, 1..15 characters without '/' (got '" + iface + "')");
                }
                if (socket != null || mode != null) {
                    throw VirtwireException.invalid("--socket and --mode are for --type vhostuser, not " + cli);
                }
                if (type.equals(TAP) && queues != null) {
                    throw VirtwireException.invalid("--queues is for --type vhostuser and afpacket (fanout), not tap");
                }
            }
            default -> throw VirtwireException.invalid("port type '" + type + "' is not one of vhostuser, tap, afpacket");
        }
        if (queues != null && (queues < 1 || queues > 128)) {
            throw VirtwireException.invalid("--queues " + queues + " is outside 1..128");
        }
        if (mtu != null && (mtu < 68 || mtu > 9000)) {
            throw VirtwireException.invalid("--mtu " + mtu + " is outside 68..9000");
        }
    }

    public static PortSpec vhostUser(String name, String socket, String mode) {
        return new PortSpec(name, VHOST_USER, socket, mode, null, null, null, null, null);
    }

    /** With an explicit queue count (the interface's {@code <driver queues>}), sent even when it is 1. */
    public static PortSpec vhostUser(String name, String socket, String mode, int queues) {
        return new PortSpec(name, VHOST_USER, socket, mode, queues, null, null, null, null);
    }
}
