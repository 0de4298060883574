package io.virtwire.provisioner.allocation;

import io.virtwire.provisioner.host.profile.HostActions;
import io.virtwire.provisioner.state.VfSettings;
import java.util.ArrayList;
import java.util.List;

/** Applies VF admin settings through {@link HostActions}, changing only what differs, and says which commands ran. */
public final class VfSettingsWriter {

    private VfSettingsWriter() {
    }

    /** @return the ip link commands that ran */
    public static List<String> apply(HostActions actions, String pfNetdev, int vf, VfSettings from, VfSettings to) {
        List<String> ran = new ArrayList<>();
        String prefix = "ip link set " + pfNetdev + " vf " + vf;
        if (from == null || !to.mac().equalsIgnoreCase(from.mac())) {
            actions.setVfMac(pfNetdev, vf, to.mac());
            ran.add(prefix + " mac " + to.mac());
        }
        if (from == null || to.vlan() != from.vlan()) {
            actions.setVfVlan(pfNetdev, vf, to.vlan(), 0);
            ran.add(prefix + " vlan " + to.vlan());
        }
        if (to.trust() != null && (from == null || !to.trust().equals(from.trust()))) {
            actions.setVfTrust(pfNetdev, vf, to.trust());
            ran.add(prefix + " trust " + (to.trust() ? "on" : "off"));
        }
        if (to.spoofchk() != null && (from == null || !to.spoofchk().equals(from.spoofchk()))) {
            actions.setVfSpoofchk(pfNetdev, vf, to.spoofchk());
            ran.add(prefix + " spoofchk " + (to.spoofchk() ? "on" : "off"));
        }
        return ran;
    }
}
