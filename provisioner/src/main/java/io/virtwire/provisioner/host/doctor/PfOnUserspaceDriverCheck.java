package io.virtwire.provisioner.host.doctor;

import io.virtwire.provisioner.host.PhysicalFunction;
import java.util.ArrayList;
import java.util.List;

/**
 * For VMs: a PF handed to DPDK/VPP (vfio-pci, uio) cannot create VFs; keep PFs on their kernel driver and give VFs away
 * (seed 003). For DPDK (doctor --for dpdk) a whole PF on vfio-pci is the goal (seed 000's fix), and so is a PF the
 * host profile reserved for DPDK; only UIO is judged there, by uio-with-iommu.
 */
final class PfOnUserspaceDriverCheck extends BaseCheck {

    static final String ID = "pf-on-userspace-driver";

    PfOnUserspaceDriverCheck() {
        super(ID, Purpose.hostdev, Purpose.dpdk);
    }

    @Override
    public List<Finding> run(DoctorContext ctx) {
        List<Finding> out = new ArrayList<>();
        for (PhysicalFunction pf : ctx.inventory().pfs()) {
            if (pf.sriov() == null) {
                continue;
            }
            Evidence driver = new Evidence(SysfsPaths.device(pf.address(), "driver"), pf.driver() == null ? "absent" : pf.driver());
            if (!SysfsPaths.userspaceDriver(pf.driver())) {
                if (pf.driver() != null) {
                    out.add(Finding.ok(ID, pf.address(), "PF on its kernel driver " + pf.driver() + " can create VFs", List.of(driver)));
                }
                continue;
            }
            if (ctx.forDpdk() && "vfio-pci".equals(pf.driver())) {
                out.add(Finding.ok(ID, pf.address(), "PF " + pf.address() + " is on vfio-pci: DPDK/VPP owns the whole port (it has no VFs)", List.of(driver)));
                continue;
            }
            if (ctx.forDpdk()) {
                continue; // UIO: uio-with-iommu says whether that works on this kernel
            }
            java.util.Optional<String> reserved = ctx.inventory().reservedFor(pf.address());
            if (reserved.isPresent()) {
                out.add(Finding.ok(ID, pf.address(), "PF " + pf.address() + " on " + pf.driver() + " is reserved for " + reserved.get()
                        + " by the host profile; VMs do not use it", List.of(driver, new Evidence(io.virtwire.provisioner.host.KernelState.RESERVATIONS,
                        pf.address() + " " + reserved.get()))));
                continue;
            }
            String kernel = SysfsPaths.kernelDriverFor(pf.vendorId(), pf.deviceId());
            String k = kernel == null ? "<kernel driver>" : kernel;
            out.add(Finding.problem(ID, Status.fail, pf.address(),
                    "SR-IOV PF " + pf.address() + " is on " + pf.driver() + ": a PF taken by DPDK/VPP cannot create VFs "
                            + "(writing sriov_numvfs fails); keep the PF on " + k + " and give VFs to DPDK or guests",
                    List.of(driver, new Evidence(SysfsPaths.device(pf.address(), "sriov_totalvfs"), String.valueOf(pf.sriovTotalVfs()))),
                    "host profile: pfs: [{pf: " + pf.address() + ", driver: kernel}] (or echo " + k + " > /sys/bus/pci/devices/" + pf.address()
                            + "/driver_override && echo " + pf.address() + " > /sys/bus/pci/drivers/" + pf.driver() + "/unbind && echo " + pf.address()
                            + " > /sys/bus/pci/drivers_probe), then create VFs and bind those to vfio-pci; if the PF is DPDK's on purpose, say so: "
                            + "reserve: dpdk on it in the host profile, and run doctor --for dpdk"));
        }
        return out;
    }
}
