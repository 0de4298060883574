package io.virtwire.provisioner.host;

/**
 * A VF with the admin settings its PF reports (ip link's vfinfo_list).
 *
 * @param mac       admin MAC as the PF sets it ("00:00:00:00:00:00" when unset), null when unknown
 * @param vlan      admin VLAN, 0 for none
 * @param linkState "auto", "enable" or "disable"
 */
public record VirtualFunction(int index, String address, String driver, String netdev, String mac, Integer vlan, Integer qos,
                              Boolean trust, Boolean spoofchk, String linkState, String iommuGroup) {

    public static final String ZERO_MAC = "00:00:00:00:00:00";

    public boolean macUnset() {
        return mac != null && mac.equals(ZERO_MAC);
    }
}
