package io.virtwire.provisioner.host.doctor;

import io.virtwire.provisioner.host.HostInventory;
import io.virtwire.provisioner.host.PhysicalFunction;
import io.virtwire.provisioner.host.VirtualFunction;
import java.util.ArrayList;
import java.util.List;

/**
 * Seed 000: from kernel 6.8 (Ubuntu) the IOMMU is on by default, and DPDK/VPP refuse UIO-bound devices in an
 * IOMMU group ("device is bound to IOMMU group and vfio-pci driver is not loaded", "rte_eal_init returned -1").
 */
final class UioWithIommuCheck extends BaseCheck {

    static final String ID = "uio-with-iommu";

    UioWithIommuCheck() {
        super(ID, Purpose.dpdk);
    }

    @Override
    public List<Finding> run(DoctorContext ctx) {
        HostInventory inv = ctx.inventory();
        List<String> uio = new ArrayList<>();
        for (PhysicalFunction pf : inv.pfs()) {
            if (SysfsPaths.uioDriver(pf.driver())) {
                uio.add(pf.address() + " (" + pf.driver() + ")");
            }
            for (VirtualFunction v : pf.vfs()) {
                if (SysfsPaths.uioDriver(v.driver())) {
                    uio.add(v.address() + " (" + v.driver() + ")");
                }
            }
        }
        List<Evidence> evidence = List.of(
                new Evidence("/proc/sys/kernel/osrelease", String.valueOf(inv.kernelRelease())),
                new Evidence("/sys/kernel/iommu_groups", inv.iommu().groups().size() + " groups"),
                new Evidence("/sys/bus/pci/drivers/uio_pci_generic", uio.isEmpty() ? "no devices" : String.join(", ", uio)));
        if (uio.isEmpty() || !inv.iommu().enabled()) {
            return List.of(Finding.ok(ID, "host", uio.isEmpty() ? "no device is on a UIO driver" : "UIO devices, IOMMU off", evidence));
        }
        String fix = "modprobe vfio-pci && dpdk-devbind.py -b vfio-pci " + String.join(" ", uio.stream().map(s -> s.substring(0, 12)).toList())
                + " (or the intel_iommu=off / amd_iommu=off kernel parameter, which gives up DMA isolation)";
        Status status = inv.kernelVersion() >= 608 ? Status.fail : Status.warn;
        return List.of(Finding.problem(ID, status, "host",
                "kernel " + inv.kernelRelease() + " with the IOMMU on and devices on UIO: DPDK/VPP skip them ('device is bound to IOMMU group and "
                        + "vfio-pci driver is not loaded', 'rte_eal_init returned -1'); use vfio-pci",
                evidence, fix));
    }
}
