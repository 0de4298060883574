package io.virtwire.provisioner.host.doctor;

import io.virtwire.provisioner.host.PhysicalFunction;
import java.util.ArrayList;
import java.util.List;

/** VF BARs (resources 7-12) with no address mean the firmware reserved no MMIO for SR-IOV. */
final class SriovMmioExhaustedCheck extends BaseCheck {

    static final String ID = "sriov-mmio-exhausted";

    SriovMmioExhaustedCheck() {
        super(ID, Purpose.hostdev);
    }

    @Override
    public List<Finding> run(DoctorContext ctx) {
        List<Finding> out = new ArrayList<>();
        boolean realloc = ctx.inventory().iommu().cmdlineFlags().getOrDefault("pci", "").contains("realloc");
        for (PhysicalFunction pf : ctx.inventory().pfs()) {
            if (pf.sriov() == null || pf.sriov().vfBarsAssigned() == null) {
                continue;
            }
            if (pf.sriov().vfBarsAssigned()) {
                out.add(Finding.ok(ID, pf.address(), "VF BARs have MMIO assigned",
                        List.of(new Evidence(SysfsPaths.device(pf.address(), "resource"), "lines 7-12: VF BARs assigned"))));
                continue;
            }
            out.add(Finding.problem(ID, Status.fail, pf.address(),
                    "the VF BARs of " + pf.address() + " have no MMIO space: writing sriov_numvfs fails with 'write error: Cannot allocate memory', "
                            + "dmesg: 'not enough MMIO resources for SR-IOV'",
                    List.of(new Evidence(SysfsPaths.device(pf.address(), "resource"), "lines 7-12 (VF BARs): all 0x0000000000000000"),
                            new Evidence("/proc/cmdline", realloc ? "pci=realloc present" : "no pci=realloc")),
                    realloc ? "enable SR-IOV in the BIOS/UEFI setup (and on Mellanox cards: mstconfig -d " + pf.address() + " set SRIOV_EN=1 NUM_OF_VFS=8), then reboot"
                            : "add pci=realloc to GRUB_CMDLINE_LINUX in /etc/default/grub (" + SysfsPaths.GRUB
                            + "); if it persists, enable SR-IOV in the BIOS/UEFI setup"));
        }
        return out;
    }
}
