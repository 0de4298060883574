package io.virtwire.forwarder.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.regex.Pattern;

/**
 * One port, in the YAML config or a control-API {@code port.add}:
 * <pre>
 * {name: vm1, type: vhost-user, socket: /run/virtwire/vm1.sock, mode: server, queues: 1, mtu: 1500, vlan: {...}}
 * {name: tap0, type: tap, iface: vwtap0, mtu: 1500, vlan: {...}}
 * {name: uplink, type: af-packet, iface: eth1, vlan: {...}}
 * </pre>
 * {@code offloads: true} (any type; default false) carries checksum and TCP segmentation offloads through the
 * port: a vhost-user device offers them to the guest, TAP uses IFF_VNET_HDR, AF_PACKET PACKET_VNET_HDR.
 * {@code mode} is the forwarder's side: {@code server} (we listen; libvirt {@code <source mode='client'>}) or
 * {@code client} (QEMU listens; libvirt {@code <source mode='server'>}).
 */
@JsonIgnoreProperties(ignoreUnknown = false)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PortConfig(String name, String type, String socket, String mode, Integer queues, Integer queueSize,
                         String iface, Integer mtu, VlanConfig vlan, Boolean offloads) {

    /** Without {@code offloads} (the default: off). */
    public PortConfig(String name, String type, String socket, String mode, Integer queues, Integer queueSize,
                      String iface, Integer mtu, VlanConfig vlan) {
        this(name, type, socket, mode, queues, queueSize, iface, mtu, vlan, null);
    }

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}");

    public static PortConfig vhostUser(String name, String socket, String mode) {
        return new PortConfig(name, "vhost-user", socket, mode, null, null, null, null, null);
    }

    /** Checks what can be checked without touching the system; the message names the field and the rule. */
    public PortConfig validated() {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new ConfigException("/name", "port name '" + printable(name) + "' must be 1..64 characters of letters,"
                    + " digits, '_', '.', ':', '-', starting with a letter or digit");
        }
        String t = type == null ? "vhost-user" : type;
        switch (t) {
            case "vhost-user" -> {
                if (socket == null || socket.isBlank()) {
                    throw new ConfigException("/socket", "port " + name + ": a vhost-user port needs 'socket' (a path)");
                }
                if (!socket.startsWith("/")) {
                    throw new ConfigException("/socket", "port " + name + ": socket '" + printable(socket) + "' must be an absolute path");
                }
                if (mode != null && !mode.equals("server") && !mode.equals("client")) {
                    throw new ConfigException("/mode", "port " + name + ": mode '" + printable(mode) + "' is neither 'server' nor 'client'");
                }
                if (iface != null) {
                    throw new ConfigException("/iface", "port " + name + ": 'iface' is for tap and af-packet ports, not vhost-user");
                }
            }
            case "tap", "af-packet" -> {
                if (iface == null || iface.isEmpty() || iface.length() > 15) {
                    throw new ConfigException("/iface", "port " + name + ": a " + t + " port needs 'iface', 1..15 characters");
                }
                // the kernel's own rule for interface names (dev_valid_name)
                if (iface.equals(".") || iface.equals("..") || !iface.chars().allMatch(ch -> ch > 0x20 && ch < 0x7f
                        && ch != '/' && ch != ':')) {
                    throw new ConfigException("/iface", "port " + name + ": iface '" + printable(iface) + "' is not an"
                            + " interface name (no '/', ':', spaces or control characters; not '.' or '..')");
                }
                if (socket != null || mode != null) {
                    throw new ConfigException(socket != null ? "/socket" : "/mode", "port " + name + ": 'socket' and 'mode' are for vhost-user ports");
                }
            }
            default -> throw new ConfigException("/type", "port " + name + ": type '" + printable(t)
                    + "' is not one of vhost-user, tap, af-packet");
        }
        if (queues != null && (queues < 1 || queues > 128)) {
            throw new ConfigException("/queues", "port " + name + ": queues " + queues + " is outside 1..128");
        }
        if (queueSize != null && (queueSize < 64 || queueSize > 32768 || Integer.bitCount(queueSize) != 1)) {
            throw new ConfigException("/queueSize", "port " + name + ": queueSize " + queueSize
                    + " must be a power of two in 64..32768");
        }
        if (mtu != null && (mtu < 68 || mtu > 9000)) {
            throw new ConfigException("/mtu", "port " + name + ": mtu " + mtu + " is outside 68..9000");
        }
        if (vlan != null) {
            try {
                vlan.toPolicy();
            } catch (IllegalArgumentException e) {
                throw new ConfigException("/vlan", "port " + name + ": " + e.getMessage(), e);
            }
        }
        return this;
    }

    /** A value as it may be shown in a message: control characters (a newline in a name) made visible. */
    static String printable(String s) {
        if (s == null) {
            return null;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 200; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(c);
            }
        }
        return s.length() > 200 ? b + "..." : b.toString();
    }

    public String typeOrDefault() {
        return type == null ? "vhost-user" : type;
    }

    public String modeOrDefault() {
        return mode == null ? "server" : mode;
    }

    public int queuesOrDefault() {
        return queues == null ? 1 : queues;
    }

    public int queueSizeOrDefault() {
        return queueSize == null ? 1024 : queueSize;
    }

    public boolean offloadsOrDefault() {
        return offloads != null && offloads;
    }

    public int mtuOrDefault() {
        return mtu == null ? 1500 : mtu;
    }
}
