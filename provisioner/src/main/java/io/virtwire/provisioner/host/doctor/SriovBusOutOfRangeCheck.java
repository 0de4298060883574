package io.virtwire.provisioner.host.doctor;

import io.virtwire.provisioner.host.BusRange;
import io.virtwire.provisioner.host.PhysicalFunction;
import io.virtwire.provisioner.host.SriovCapability;
import java.util.ArrayList;
import java.util.List;

/**
 * Predicts the kernel's sriov_enable refusal before anyone writes sriov_numvfs: VF n's bus is
 * (PF routing ID + First VF Offset + n * VF Stride) >> 8 and must lie inside the upstream bridge's bus range.
 */
final class SriovBusOutOfRangeCheck extends BaseCheck {

    static final String ID = "sriov-bus-out-of-range";

    SriovBusOutOfRangeCheck() {
        super(ID, Purpose.hostdev);
    }

    @Override
    public List<Finding> run(DoctorContext ctx) {
        List<Finding> out = new ArrayList<>();
        for (PhysicalFunction pf : ctx.inventory().pfs()) {
            SriovCapability sriov = pf.sriov();
            if (sriov == null || pf.upstreamBridge() == null || pf.upstreamBridge().busRange() == null) {
                continue;
            }
            int wanted = pf.sriovTotalVfs() != null ? pf.sriovTotalVfs() : sriov.totalVfs();
            if (wanted <= 0) {
                continue;
            }
            BusRange range = pf.upstreamBridge().busRange();
            int fit = sriov.vfsThatFit(pf.pciAddress(), range, wanted);
            int bus = sriov.busOfLastVf(pf.pciAddress(), wanted);
            List<Evidence> evidence = List.of(
                    new Evidence(SysfsPaths.device(pf.address(), "config"), String.format("SR-IOV at 0x%x: Total VFs: %d, VF offset: %d, stride: %d",
                            sriov.offset(), sriov.totalVfs(), sriov.firstVfOffset(), sriov.vfStride())),
                    new Evidence(SysfsPaths.device(pf.address(), "sriov_totalvfs"), String.valueOf(wanted)),
                    new Evidence(SysfsPaths.device(pf.upstreamBridge().address(), "config"),
                            String.format("secondary bus %02x, subordinate bus %02x", range.secondary(), range.subordinate())));
            if (fit >= wanted) {
                out.add(Finding.ok(ID, pf.address(), String.format("all %d VFs fit: the last lands on bus %02x inside %s", wanted, bus, range.kernelForm()), evidence));
                continue;
            }
            out.add(Finding.problem(ID, Status.fail, pf.address(),
                    String.format("writing sriov_numvfs above %d will fail with 'write error: Cannot allocate memory'; dmesg: "
                            + "'%s: can't enable %d VFs (bus %02x out of range of %s)'", fit, pf.address(), wanted, bus, range.kernelForm()),
                    evidence,
                    "add pci=assign-busses to GRUB_CMDLINE_LINUX in /etc/default/grub (" + SysfsPaths.GRUB
                            + "), or enable ARI / SR-IOV bus reservation in the firmware, or move the card to a slot whose bridge has spare bus numbers "
                            + "(seed 003: not the x16 graphics slot)"));
        }
        return out;
    }
}
