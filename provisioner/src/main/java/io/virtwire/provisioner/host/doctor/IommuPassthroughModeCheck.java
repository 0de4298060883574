package io.virtwire.provisioner.host.doctor;

import io.virtwire.provisioner.host.IommuInfo;
import java.util.List;

/** With the IOMMU on, iommu=pt keeps host-owned devices out of DMA translation (seed 001/002 set it). */
final class IommuPassthroughModeCheck extends BaseCheck {

    static final String ID = "iommu-passthrough-mode";

    IommuPassthroughModeCheck() {
        super(ID, Purpose.hostdev, Purpose.vdpa, Purpose.dpdk);
    }

    @Override
    public List<Finding> run(DoctorContext ctx) {
        IommuInfo iommu = ctx.inventory().iommu();
        if (!iommu.enabled()) {
            return List.of();
        }
        List<Evidence> evidence = List.of(new Evidence("/proc/cmdline", String.join(" ", ctx.inventory().kernelCmdline())));
        if (iommu.passthrough()) {
            return List.of(Finding.ok(ID, "host", "iommu=pt: host-owned devices bypass DMA translation", evidence));
        }
        return List.of(Finding.problem(ID, Status.warn, "host",
                "the IOMMU translates DMA for host-owned devices too (no iommu=pt on the command line): host networking pays IOTLB costs",
                evidence, "add iommu=pt to GRUB_CMDLINE_LINUX in /etc/default/grub; " + SysfsPaths.GRUB));
    }
}
