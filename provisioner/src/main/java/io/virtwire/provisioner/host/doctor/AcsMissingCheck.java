package io.virtwire.provisioner.host.doctor;

import io.virtwire.provisioner.host.AcsCapability;
import io.virtwire.provisioner.host.PciBridge;
import io.virtwire.provisioner.host.PhysicalFunction;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The port above a NIC must have ACS with SrcValid, ReqRedir, CmpltRedir and UpstreamFwd enabled for its functions to get their own groups. */
final class AcsMissingCheck extends BaseCheck {

    static final String ID = "acs-missing";

    AcsMissingCheck() {
        super(ID, Purpose.hostdev);
    }

    @Override
    public List<Finding> run(DoctorContext ctx) {
        Map<String, PciBridge> bridges = new LinkedHashMap<>();
        Map<String, List<String>> below = new LinkedHashMap<>();
        for (PhysicalFunction pf : ctx.inventory().pfs()) {
            if (pf.upstreamBridge() == null || (pf.sriov() == null && !"vfio-pci".equals(pf.driver()))) {
                continue;
            }
            bridges.putIfAbsent(pf.upstreamBridge().address(), pf.upstreamBridge());
            below.computeIfAbsent(pf.upstreamBridge().address(), k -> new ArrayList<>()).add(pf.address());
        }
        List<Finding> out = new ArrayList<>();
        for (PciBridge b : bridges.values()) {
            AcsCapability acs = b.acs();
            String path = SysfsPaths.device(b.address(), "config");
            String nics = String.join(", ", below.get(b.address()));
            if (acs != null && acs.enforcesIsolation()) {
                out.add(Finding.ok(ID, b.address(), "port " + b.address() + " above " + nics + " enforces ACS",
                        List.of(new Evidence(path, String.format("ACS at 0x%x: ACSCtl: %s", acs.offset(), acs.ctlText())))));
                continue;
            }
            String seen = acs == null ? "no ACS capability" : String.format("ACS at 0x%x: ACSCap: %s ACSCtl: %s", acs.offset(), acs.capText(), acs.ctlText());
            out.add(Finding.problem(ID, Status.warn, b.address(),
                    "port " + b.address() + " above " + nics + " does not enforce ACS (lspci -vv: " + seen
                            + "): everything below it lands in one IOMMU group, so its functions and VFs cannot be assigned separately",
                    List.of(new Evidence(path, seen)),
                    "move the NIC to a slot behind an ACS-capable root port (CPU-attached slots usually are), or assign the whole IOMMU group; "
                            + "pcie_acs_override=downstream,multifunction (ACS override patch) only as a last resort: it removes isolation"));
        }
        return out;
    }
}
