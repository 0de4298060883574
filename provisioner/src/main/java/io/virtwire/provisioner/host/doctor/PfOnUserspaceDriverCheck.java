package io.virtwire.provisioner.host.doctor;

import io.virtwire.provisioner.host.PhysicalFunction;
import java.util.ArrayList;
import java.util.List;

/** A PF handed to DPDK/VPP (vfio-pci, uio) cannot create VFs; keep PFs on their kernel driver and give VFs away (seed 003). */
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
            String kernel = SysfsPaths.kernelDriverFor(pf.vendorId(), pf.deviceId());
            String k = kernel == null ? "<kernel driver>" : kernel;
            out.add(Finding.problem(ID, Status.fail, pf.address(),
                    "SR-IOV PF " + pf.address() + " is on " + pf.driver() + ": a PF taken by DPDK/VPP cannot create VFs "
                            + "(writing sriov_numvfs fails); keep the PF on " + k + " and give VFs to DPDK or guests",
                    List.of(driver, new Evidence(SysfsPaths.device(pf.address(), "sriov_totalvfs"), String.valueOf(pf.sriovTotalVfs()))),
                    "echo " + k + " > /sys/bus/pci/devices/" + pf.address() + "/driver_override && echo " + pf.address() + " > /sys/bus/pci/drivers/"
                            + pf.driver() + "/unbind && echo " + pf.address() + " > /sys/bus/pci/drivers_probe (or dpdk-devbind.py -b " + k + " " + pf.address()
                            + "), then create VFs and bind those to vfio-pci"));
        }
        return out;
    }
}
