package io.virtwire.provisioner.host.doctor;

import io.virtwire.provisioner.host.IommuGroup;
import io.virtwire.provisioner.host.PhysicalFunction;
import io.virtwire.provisioner.host.VirtualFunction;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A group is viable for VFIO only when every non-bridge member is on vfio-pci or unbound. Checked for groups
 * holding something meant for assignment: a device already on vfio-pci, or a VF.
 */
final class IommuGroupNotIsolatedCheck extends BaseCheck {

    static final String ID = "iommu-group-not-isolated";

    IommuGroupNotIsolatedCheck() {
        super(ID, Purpose.hostdev, Purpose.dpdk);
    }

    @Override
    public List<Finding> run(DoctorContext ctx) {
        if (!ctx.inventory().iommu().enabled()) {
            return List.of();
        }
        Set<String> vfs = new HashSet<>();
        for (PhysicalFunction pf : ctx.inventory().pfs()) {
            pf.vfs().stream().map(VirtualFunction::address).forEach(vfs::add);
        }
        List<Finding> out = new ArrayList<>();
        int viable = 0;
        List<Evidence> okEvidence = new ArrayList<>();
        for (IommuGroup g : ctx.inventory().iommu().groups()) {
            List<String> targets = g.devices().stream()
                    .filter(m -> "vfio-pci".equals(m.driver()) || vfs.contains(m.address())).map(IommuGroup.GroupMember::address).toList();
            if (targets.isEmpty()) {
                continue;
            }
            List<IommuGroup.GroupMember> offenders = g.devices().stream()
                    .filter(m -> !m.bridge() && !targets.contains(m.address()) && m.driver() != null && !"vfio-pci".equals(m.driver())).toList();
            Evidence members = new Evidence(SysfsPaths.group(g.id()), String.join(", ", g.devices().stream()
                    .map(m -> m.address() + " (" + (m.driver() == null ? "no driver" : m.driver()) + (m.bridge() ? ", bridge" : "") + ")").toList()));
            if (offenders.isEmpty()) {
                viable++;
                okEvidence.add(members);
                continue;
            }
            String target = targets.getFirst();
            StringBuilder fix = new StringBuilder("bind every device of group " + g.id() + " to vfio-pci and assign them together: ");
            for (IommuGroup.GroupMember m : offenders) {
                fix.append("echo vfio-pci > /sys/bus/pci/devices/").append(m.address()).append("/driver_override && echo ").append(m.address())
                        .append(" > /sys/bus/pci/devices/").append(m.address()).append("/driver/unbind && echo ").append(m.address())
                        .append(" > /sys/bus/pci/drivers_probe; ");
            }
            fix.append("or move the card to a slot behind an ACS-capable root port (a CPU-attached slot); "
                    + "pcie_acs_override=downstream,multifunction (patched kernels) gives up isolation and is a last resort");
            out.add(Finding.problem(ID, Status.fail, "group " + g.id(),
                    "IOMMU group " + g.id() + " is not viable for " + target + ": " + String.join(", ", offenders.stream()
                            .map(m -> m.address() + " (" + m.driver() + ")").toList()) + " shares it; QEMU fails with 'vfio " + target
                            + ": group " + g.id() + " is not viable' / 'Please ensure all devices within the iommu_group are bound to their vfio bus driver', "
                            + "DPDK with 'VFIO group is not viable! Not all devices in IOMMU group bound to VFIO or unbound'",
                    List.of(members), fix.toString()));
        }
        if (out.isEmpty() && viable > 0) {
            out.add(Finding.ok(ID, "host", viable + " IOMMU groups with VFs or vfio-pci devices, each viable", okEvidence));
        }
        return out;
    }
}
