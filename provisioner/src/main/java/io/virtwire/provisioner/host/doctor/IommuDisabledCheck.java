package io.virtwire.provisioner.host.doctor;

import io.virtwire.provisioner.host.HostInventory;
import io.virtwire.provisioner.host.IommuInfo;
import java.util.List;

/** Reads the IOMMU state the kernel has (groups exist), not what the command line asks for. */
final class IommuDisabledCheck extends BaseCheck {

    static final String ID = "iommu-disabled";

    IommuDisabledCheck() {
        super(ID, Purpose.hostdev, Purpose.vdpa, Purpose.dpdk);
    }

    @Override
    public List<Finding> run(DoctorContext ctx) {
        HostInventory inv = ctx.inventory();
        IommuInfo iommu = inv.iommu();
        List<Evidence> evidence = List.of(
                new Evidence("/sys/kernel/iommu_groups", iommu.groups().size() + " groups"),
                new Evidence("/sys/class/iommu", iommu.units().isEmpty() ? "empty" : String.join(" ", iommu.units())),
                new Evidence("/proc/cmdline", String.join(" ", inv.kernelCmdline())));
        if (iommu.enabled()) {
            return List.of(Finding.ok(ID, "host", "IOMMU on: " + iommu.groups().size() + " IOMMU groups", evidence));
        }
        String off = iommu.cmdlineFlags().containsKey("intel_iommu") && iommu.cmdlineFlags().get("intel_iommu").contains("off")
                ? "remove intel_iommu=off and " : iommu.cmdlineFlags().containsKey("amd_iommu") && iommu.cmdlineFlags().get("amd_iommu").contains("off")
                ? "remove amd_iommu=off and " : "";
        return List.of(Finding.problem(ID, Status.fail, "host",
                "the IOMMU is off (/sys/kernel/iommu_groups is empty): VFIO cannot assign devices; QEMU reports "
                        + "'failed to open /dev/vfio/N: No such file or directory' and dmesg has no 'DMAR: IOMMU enabled'",
                evidence,
                "enable VT-d (Intel) or AMD-Vi/IOMMU in the firmware setup; in /etc/default/grub GRUB_CMDLINE_LINUX " + off
                        + "add intel_iommu=on iommu=pt (AMD: the IOMMU is on when enabled in firmware); " + SysfsPaths.GRUB));
    }
}
