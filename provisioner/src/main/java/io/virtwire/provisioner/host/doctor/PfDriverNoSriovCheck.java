package io.virtwire.provisioner.host.doctor;

import io.virtwire.provisioner.host.PhysicalFunction;
import java.util.ArrayList;
import java.util.List;

/** sriov_numvfs works only through a bound PF driver with sriov_configure; an unbound PF answers ENOENT. */
final class PfDriverNoSriovCheck extends BaseCheck {

    static final String ID = "pf-driver-no-sriov";

    PfDriverNoSriovCheck() {
        super(ID, Purpose.hostdev);
    }

    @Override
    public List<Finding> run(DoctorContext ctx) {
        List<Finding> out = new ArrayList<>();
        for (PhysicalFunction pf : ctx.inventory().pfs()) {
            if (pf.sriov() == null || SysfsPaths.userspaceDriver(pf.driver())) {
                continue;
            }
            Evidence driver = new Evidence(SysfsPaths.device(pf.address(), "driver"), pf.driver() == null ? "absent (no driver bound)" : pf.driver());
            if (pf.driver() != null) {
                out.add(Finding.ok(ID, pf.address(), "PF driver " + pf.driver() + " manages SR-IOV", List.of(driver)));
                continue;
            }
            String kernel = SysfsPaths.kernelDriverFor(pf.vendorId(), pf.deviceId());
            String fix = kernel == null
                    ? "bind the PF's kernel driver: echo " + pf.address() + " > /sys/bus/pci/drivers/<driver>/bind"
                    : "modprobe " + kernel + " && echo " + pf.address() + " > /sys/bus/pci/drivers/" + kernel + "/bind";
            out.add(Finding.problem(ID, Status.fail, pf.address(),
                    pf.address() + " has no driver: writing sriov_numvfs fails with 'write error: No such file or directory' "
                            + "(dmesg: 'Driver does not support SRIOV configuration via sysfs')",
                    List.of(driver, new Evidence(SysfsPaths.device(pf.address(), "sriov_totalvfs"), String.valueOf(pf.sriovTotalVfs()))), fix));
        }
        return out;
    }
}
