package io.virtwire.provisioner.host.doctor;

import io.virtwire.provisioner.host.PhysicalFunction;
import io.virtwire.provisioner.host.VirtualFunction;
import java.util.ArrayList;
import java.util.List;

/** vDPA on mlx5 VFs needs the eswitch in switchdev mode; switching needs the VFs unbound first (seed 001, step 6). */
final class SwitchdevRequiredCheck extends BaseCheck {

    static final String ID = "switchdev-required";

    SwitchdevRequiredCheck() {
        super(ID, Purpose.vdpa);
    }

    @Override
    public List<Finding> run(DoctorContext ctx) {
        List<Finding> out = new ArrayList<>();
        for (PhysicalFunction pf : ctx.inventory().pfs()) {
            if (pf.eswitchMode() == null && !"mlx5_core".equals(pf.driver())) {
                continue;
            }
            Evidence mode = new Evidence("devlink -j dev eswitch show pci/" + pf.address(), pf.eswitchMode() == null ? "unknown" : "mode " + pf.eswitchMode());
            if ("switchdev".equals(pf.eswitchMode())) {
                out.add(Finding.ok(ID, pf.address(), "eswitch of " + pf.address() + " is in switchdev mode", List.of(mode)));
                continue;
            }
            String drv = pf.driver() == null ? "mlx5_core" : pf.driver();
            List<String> steps = new ArrayList<>();
            for (VirtualFunction v : pf.vfs()) {
                if (v.driver() != null) {
                    steps.add("echo " + v.address() + " > /sys/bus/pci/drivers/" + v.driver() + "/unbind");
                }
            }
            steps.add("devlink dev eswitch set pci/" + pf.address() + " mode switchdev");
            for (VirtualFunction v : pf.vfs()) {
                if (v.driver() != null) {
                    steps.add("echo " + v.address() + " > /sys/bus/pci/drivers/" + v.driver() + "/bind");
                }
            }
            out.add(Finding.problem(ID, Status.fail, pf.address(),
                    "eswitch of " + pf.address() + " (" + drv + ") is in " + (pf.eswitchMode() == null ? "an unknown" : pf.eswitchMode())
                            + " mode: vDPA hardware offload on its VFs needs switchdev; unbind the VFs, switch, rebind",
                    List.of(mode), String.join(" && ", steps)));
        }
        return out;
    }
}
