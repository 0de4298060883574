package io.virtwire.provisioner.host.doctor;

import io.virtwire.provisioner.host.PhysicalFunction;
import io.virtwire.provisioner.host.VirtualFunction;
import java.util.ArrayList;
import java.util.List;

/** An all-zero admin MAC: the guest gets a random MAC the PF may drop, or sees no working VF (seed 001). */
final class VfMacUnsetCheck extends BaseCheck {

    static final String ID = "vf-mac-unset";

    VfMacUnsetCheck() {
        super(ID, Purpose.hostdev, Purpose.vdpa);
    }

    @Override
    public List<Finding> run(DoctorContext ctx) {
        List<Finding> out = new ArrayList<>();
        for (PhysicalFunction pf : ctx.inventory().pfs()) {
            List<VirtualFunction> known = pf.vfs().stream().filter(v -> v.mac() != null).toList();
            if (known.isEmpty() || pf.netdev() == null) {
                continue;
            }
            List<VirtualFunction> unset = known.stream().filter(VirtualFunction::macUnset).toList();
            String source = "ip -j -d link show " + pf.netdev();
            if (unset.isEmpty()) {
                out.add(Finding.ok(ID, pf.netdev(), "all " + known.size() + " VFs of " + pf.netdev() + " have an admin MAC",
                        List.of(new Evidence(source, String.join(", ", known.stream().map(v -> "vf " + v.index() + " " + v.mac()).toList())))));
                continue;
            }
            List<String> fixes = new ArrayList<>();
            for (VirtualFunction v : unset) {
                fixes.add("ip link set " + pf.netdev() + " vf " + v.index() + " mac " + suggestedMac(pf.address(), v.index()));
            }
            out.add(Finding.problem(ID, Status.fail, pf.netdev(),
                    unset.size() + " VFs of " + pf.netdev() + " have admin MAC 00:00:00:00:00:00 (ip link: 'vf N link/ether 00:00:00:00:00:00'): "
                            + "the guest does not get a stable MAC and traffic to it may be dropped; set it before the guest starts",
                    List.of(new Evidence(source, String.join(", ", unset.stream().map(v -> "vf " + v.index() + " " + v.mac()).toList()))),
                    String.join(" && ", fixes) + " (or give the <interface type='hostdev'> a <mac address=.../> in the domain XML)"));
        }
        return out;
    }

    /** A stable locally administered MAC derived from the VF's identity, so the suggested fix is repeatable. */
    static String suggestedMac(String pfAddress, int vf) {
        int h = (pfAddress + "/" + vf).hashCode();
        return String.format("52:54:00:%02x:%02x:%02x", (h >> 16) & 0xff, (h >> 8) & 0xff, (h & 0xff));
    }
}
