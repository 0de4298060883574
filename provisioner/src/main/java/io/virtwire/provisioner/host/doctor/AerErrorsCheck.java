package io.virtwire.provisioner.host.doctor;

import io.virtwire.provisioner.host.PhysicalFunction;
import java.util.ArrayList;
import java.util.List;

/**
 * Seed 004: the PF recovers from an AER error, its VFs inside guests do not (only "NIC Link is Down" in the guest).
 * Non-zero non-fatal/fatal counters on a PF whose VFs are assigned mean those guests need their VF re-attached.
 */
final class AerErrorsCheck extends BaseCheck {

    static final String ID = "aer-errors";

    AerErrorsCheck() {
        super(ID, Purpose.hostdev);
    }

    @Override
    public List<Finding> run(DoctorContext ctx) {
        List<Finding> out = new ArrayList<>();
        for (PhysicalFunction pf : ctx.inventory().pfs()) {
            if (pf.aer() == null) {
                continue;
            }
            List<Evidence> evidence = List.of(
                    new Evidence(SysfsPaths.device(pf.address(), "aer_dev_nonfatal"), "TOTAL_ERR_NONFATAL " + pf.aer().nonfatal()),
                    new Evidence(SysfsPaths.device(pf.address(), "aer_dev_fatal"), "TOTAL_ERR_FATAL " + pf.aer().fatal()),
                    new Evidence(SysfsPaths.device(pf.address(), "aer_dev_correctable"), "TOTAL_ERR_COR " + pf.aer().correctable()));
            if (pf.aer().nonfatal() + pf.aer().fatal() == 0) {
                out.add(Finding.ok(ID, pf.address(), "no uncorrectable AER errors on " + pf.address(), evidence));
                continue;
            }
            List<String> assigned = pf.vfs().stream().filter(v -> "vfio-pci".equals(v.driver())).map(v -> v.address()).toList();
            out.add(Finding.problem(ID, assigned.isEmpty() ? Status.warn : Status.fail, pf.address(),
                    pf.address() + " logged " + pf.aer().nonfatal() + " non-fatal and " + pf.aer().fatal() + " fatal AER errors"
                            + (assigned.isEmpty() ? "" : "; the PF recovered but its assigned VFs " + String.join(", ", assigned)
                            + " do not: the guests see only 'NIC Link is Down' and hang"),
                    evidence,
                    (assigned.isEmpty() ? "" : "re-attach each assigned VF in its guest (virsh detach-device DOMAIN vf.xml --live && virsh attach-device DOMAIN vf.xml --live); ")
                            + "check the slot, riser and cabling; dmesg | grep -i aer shows the error source; the counters reset at reboot"));
        }
        return out;
    }
}
