package io.virtwire.provisioner.host.doctor;

import io.virtwire.provisioner.host.HostInventory;
import io.virtwire.provisioner.host.PhysicalFunction;
import java.util.ArrayList;
import java.util.List;

/**
 * Seed 000's VMware guest: VPP (DPDK 24.03) on a vmxnet3 bound to uio_pci_generic, kernel 6.8, crashes with SIGSEGV
 * in vmxnet3_enable_intr (intr_idx 4294967262) as soon as the interface goes up, IOMMU on or off. uio_pci_generic
 * gives no MSI-X, which the vmxnet3 PMD's per-queue interrupts assume. What ran there: an e1000 NIC on vfio-pci, or
 * the 6.5 kernel.
 */
final class Vmxnet3UioInterruptsCheck extends BaseCheck {

    static final String ID = "vmxnet3-uio-interrupts";
    private static final String VMXNET3 = "0x15ad:0x07b0";

    Vmxnet3UioInterruptsCheck() {
        super(ID, Purpose.dpdk);
    }

    @Override
    public List<Finding> run(DoctorContext ctx) {
        HostInventory inv = ctx.inventory();
        List<Finding> out = new ArrayList<>();
        for (PhysicalFunction nic : inv.pfs()) {
            if (!VMXNET3.equals(nic.vendorId() + ":" + nic.deviceId())) {
                continue;
            }
            List<Evidence> evidence = List.of(new Evidence(SysfsPaths.device(nic.address(), "driver"), String.valueOf(nic.driver())),
                    new Evidence("/proc/sys/kernel/osrelease", String.valueOf(inv.kernelRelease())));
            boolean uio = SysfsPaths.uioDriver(nic.driver());
            if (!uio || inv.kernelVersion() < 608) {
                out.add(Finding.ok(ID, nic.address(), "vmxnet3 on " + nic.driver() + (uio ? " with kernel " + inv.kernelRelease() + " (before 6.8)" : ""), evidence));
                continue;
            }
            out.add(Finding.problem(ID, Status.fail, nic.address(),
                    "vmxnet3 " + nic.address() + " on " + nic.driver() + " with kernel " + inv.kernelRelease() + ": VPP's dpdk plugin dies when the interface goes up "
                            + "('received signal SIGSEGV' in vmxnet3_enable_intr, 'vpp.service: Failed with result core-dump'), IOMMU on or off",
                    evidence, "give the VM an e1000/e1000e NIC and bind it to vfio-pci (host profile: kernel: {modules: [vfio-pci]} and "
                            + "pfs: [{pf: " + nic.address() + ", driver: vfio-pci}] once it is there), which ran in seed 000; or boot a kernel before 6.8 (6.5 ran)"));
        }
        return out;
    }
}
