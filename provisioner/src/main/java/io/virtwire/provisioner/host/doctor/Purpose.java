package io.virtwire.provisioner.host.doctor;

import java.util.EnumSet;
import java.util.Set;

/**
 * What the host is being prepared for (doctor --for): selects the checks that matter, and what "right" means.
 * {@code vm} (the default) is every way a VM gets a NIC (hostdev, vdpa, vhostuser); {@code dpdk} is a host whose NICs
 * belong to DPDK/VPP, where a PF on vfio-pci is the goal, not a fault.
 */
public enum Purpose {
    vm, hostdev, vdpa, vhostuser, dpdk;

    private static final Set<Purpose> VM_KINDS = EnumSet.of(hostdev, vdpa, vhostuser);

    /** Whether a check listing these purposes runs for this one. */
    public boolean selects(Set<Purpose> checkPurposes) {
        if (this == vm) {
            return checkPurposes.contains(vm) || checkPurposes.stream().anyMatch(VM_KINDS::contains);
        }
        return checkPurposes.contains(this);
    }

    /** True for vm and the NIC kinds it covers. */
    public boolean forVms() {
        return this == vm || VM_KINDS.contains(this);
    }
}
