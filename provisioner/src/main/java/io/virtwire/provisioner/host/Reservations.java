package io.virtwire.provisioner.host;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The devices a host profile reserved for an owner other than VMs ("reserve: dpdk"), kept in
 * {@value KernelState#RESERVATIONS} so that the VM allocator (another process) sees them. One line per device:
 * {@code PCI-ADDRESS OWNER}; '#' starts a comment.
 */
public final class Reservations {

    private Reservations() {
    }

    public static Map<String, String> read(HostPaths paths) {
        return parse(paths.read(paths.resolve(KernelState.RESERVATIONS)).orElse(""));
    }

    /**
     * Who a device is reserved for, read straight from sysfs (no iproute2 needed): its own line, or its PF's line for a VF
     * (physfn). Used where a VM names a device explicitly.
     */
    public static java.util.Optional<String> reservedFor(HostPaths paths, String address) {
        Map<String, String> all = read(paths);
        if (all.isEmpty()) {
            return java.util.Optional.empty();
        }
        String own = all.get(address);
        if (own != null) {
            return java.util.Optional.of(own);
        }
        return paths.linkName(paths.resolve("/sys/bus/pci/devices/" + address + "/physfn")).map(all::get);
    }

    public static Map<String, String> parse(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String l : text.lines().toList()) {
            String line = l.contains("#") ? l.substring(0, l.indexOf('#')) : l;
            String[] w = line.strip().split("\\s+");
            if (w.length >= 2) {
                out.put(w[0], w[1]);
            }
        }
        return out;
    }

    public static String render(Map<String, String> reservations) {
        StringBuilder sb = new StringBuilder("# Written by virtwire host apply from the host profile's 'reserve:' keys; the VM allocator\n"
                + "# never hands these devices (or a reserved PF's VFs) to a VM. Edit the profile, not this file.\n");
        new TreeMap<>(reservations).forEach((a, o) -> sb.append(a).append(' ').append(o).append('\n'));
        return sb.toString();
    }
}
