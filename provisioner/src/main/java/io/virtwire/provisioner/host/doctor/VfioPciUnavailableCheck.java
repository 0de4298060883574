package io.virtwire.provisioner.host.doctor;

import java.util.List;

final class VfioPciUnavailableCheck extends BaseCheck {

    static final String ID = "vfio-pci-unavailable";

    VfioPciUnavailableCheck() {
        super(ID, Purpose.hostdev, Purpose.dpdk);
    }

    @Override
    public List<Finding> run(DoctorContext ctx) {
        boolean loaded = ctx.inventory().driverLoaded("vfio-pci");
        List<Evidence> evidence = List.of(new Evidence("/sys/bus/pci/drivers/vfio-pci", loaded ? "present" : "absent"));
        if (loaded) {
            return List.of(Finding.ok(ID, "host", "vfio-pci is loaded", evidence));
        }
        return List.of(Finding.problem(ID, Status.fail, "host",
                "vfio-pci is not loaded: VPP/DPDK log 'device is bound to IOMMU group and vfio-pci driver is not loaded' and "
                        + "'rte_eal_init returned -1'; QEMU reports 'failed to open /dev/vfio/N: No such file or directory'",
                evidence, "modprobe vfio-pci && echo vfio-pci > /etc/modules-load.d/vfio-pci.conf"));
    }
}
