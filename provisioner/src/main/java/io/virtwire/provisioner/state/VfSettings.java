package io.virtwire.provisioner.state;

import io.virtwire.provisioner.host.VirtualFunction;

/**
 * A VF's admin settings as the PF holds them ({@code ip link set PF vf N mac/vlan/trust/spoofchk}). They do not
 * survive a PF reset or a reboot, which is why the record keeps them.
 *
 * @param mac      lower-case MAC, "00:00:00:00:00:00" for unset
 * @param vlan     0 for untagged
 * @param trust    null when unknown (the driver does not report it)
 * @param spoofchk null when unknown
 */
public record VfSettings(String mac, int vlan, Boolean trust, Boolean spoofchk) {

    public static VfSettings of(VirtualFunction vf) {
        return new VfSettings(vf.mac() == null ? VirtualFunction.ZERO_MAC : vf.mac().toLowerCase(), vf.vlan() == null ? 0 : vf.vlan(),
                vf.trust(), vf.spoofchk());
    }

    @Override
    public String toString() {
        return "mac " + mac + ", vlan " + vlan + (trust == null ? "" : ", trust " + (trust ? "on" : "off"))
                + (spoofchk == null ? "" : ", spoofchk " + (spoofchk ? "on" : "off"));
    }
}
