package io.virtwire.provisioner.host.doctor;

import io.virtwire.provisioner.host.PhysicalFunction;
import io.virtwire.provisioner.host.VirtualFunction;
import java.util.ArrayList;
import java.util.List;

/**
 * sriov_numvfs cannot go from one non-zero count to another: the kernel answers "write error: Device or resource busy"
 * (dmesg "N VFs already enabled. Disable before enabling M VFs"). Writing 0 first removes every VF, so VFs that guests or
 * DPDK hold must be let go before the count can change.
 */
final class SriovNumvfsBusyCheck extends BaseCheck {

    static final String ID = "sriov-numvfs-busy";

    SriovNumvfsBusyCheck() {
        super(ID, Purpose.hostdev, Purpose.dpdk);
    }

    @Override
    public List<Finding> run(DoctorContext ctx) {
        List<Finding> out = new ArrayList<>();
        for (PhysicalFunction pf : ctx.inventory().pfs()) {
            if (pf.numVfs() == 0) {
                continue;
            }
            Evidence numvfs = new Evidence(SysfsPaths.device(pf.address(), "sriov_numvfs"), String.valueOf(pf.numVfs()));
            List<String> inUse = pf.vfs().stream().filter(v -> "vfio-pci".equals(v.driver())).map(VirtualFunction::address).toList();
            if (inUse.isEmpty()) {
                out.add(Finding.ok(ID, pf.address(), pf.numVfs() + " VFs, none on vfio-pci: another count can be set by writing 0 first "
                        + "(a direct write answers 'Device or resource busy'); virtwire host apply does", List.of(numvfs)));
                continue;
            }
            out.add(Finding.problem(ID, Status.warn, pf.address(),
                    pf.numVfs() + " VFs and " + String.join(", ", inUse) + " on vfio-pci (assigned to guests or DPDK): 'echo M > sriov_numvfs' fails with "
                            + "'write error: Device or resource busy' ('" + pf.numVfs() + " VFs already enabled. Disable before enabling M VFs'), and writing 0 "
                            + "first would pull those VFs from under their users",
                    List.of(numvfs, new Evidence("/sys/bus/pci/drivers/vfio-pci", String.join(" ", inUse))),
                    "keep the count; to change it, detach the VFs (virtwire detach-interface DOMAIN hostdev --mac MAC, or stop the DPDK app), then "
                            + "echo 0 > /sys/bus/pci/devices/" + pf.address() + "/sriov_numvfs && echo M > /sys/bus/pci/devices/" + pf.address()
                            + "/sriov_numvfs (or numVfs: M in the host profile)"));
        }
        return out;
    }
}
