package io.virtwire.provisioner.nic;

import io.virtwire.provisioner.libvirt.xml.GuestInterface;
import io.virtwire.provisioner.libvirt.xml.HostdevInterface;
import java.util.List;
import java.util.Set;

/**
 * Which drift libvirt's update-device can change on a running domain's NIC, as libvirt's QEMU driver decides it
 * (qemuDomainChangeNet in src/qemu/qemu_hotplug.c), so that --ensure asks only for what libvirt can do and otherwise
 * unplugs and plugs the same device:
 * <ul>
 *   <li>a type='hostdev' interface: nothing ("cannot change config of 'hostdev' network type"); the VF's settings
 *       can still be changed through its PF, which is what {@code method: pf} does for the VFs virtwire allocated;</li>
 *   <li>vdpa and vhost-user: libvirt changes the link state, bandwidth and filter of a plugged NIC, and refuses the
 *       model ("cannot modify network device model"), the virtio driver attributes, queues among them ("cannot modify
 *       virtio network device driver attributes"), and the source (the socket and its mode, the vhost-vdpa device:
 *       "unable to change config on 'vhostuser' network type").</li>
 * </ul>
 * virtwire's drift kinds (VLAN, queues, mode, model) are therefore all outside what libvirt changes live; the
 * persistent definition is another matter: there libvirt's update-device replaces the NIC's definition, which is
 * tried first (see {@link InterfaceEnsurer}).
 */
final class LiveUpdateRules {

    /** The drift kinds (the text before ':' in "vlan: 7 -> 8") libvirt changes on a plugged vdpa or vhost-user NIC. */
    static final Set<String> LIVE_CHANGEABLE = Set.of("link", "bandwidth", "filter");

    private LiveUpdateRules() {
    }

    /** Whether update-device can bring {@code existing}, plugged in a running domain, to the wanted state. */
    static boolean canUpdateLive(GuestInterface existing, List<String> drift) {
        if (existing instanceof HostdevInterface) {
            return false;
        }
        return !drift.isEmpty() && drift.stream().allMatch(d -> LIVE_CHANGEABLE.contains(kind(d)));
    }

    static String kind(String drift) {
        int colon = drift.indexOf(':');
        return colon < 0 ? drift : drift.substring(0, colon);
    }
}
