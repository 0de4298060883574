package io.virtwire.provisioner.allocation;

import io.virtwire.provisioner.host.PhysicalFunction;
import io.virtwire.provisioner.host.VirtualFunction;
import io.virtwire.provisioner.model.PciAddress;
import io.virtwire.provisioner.nic.HostdevChange;
import io.virtwire.provisioner.nic.HostdevService;
import io.virtwire.provisioner.state.Allocation;
import java.util.List;

/**
 * A free VF of a PF passed through as a plain {@code <hostdev mode='subsystem' type='pci' managed='yes'>}: the guest's
 * VF driver picks its own MAC, so virtwire sets nothing on the VF (no host change, no MAC in the record) and only
 * records who holds it.
 */
final class PciHostdevStep implements DeviceStep<HostdevChange> {

    private final HostdevService hostdevs;
    private final String pf;

    PciHostdevStep(HostdevService hostdevs, String pf) {
        this.hostdevs = hostdevs;
        this.pf = pf;
    }

    @Override
    public AttachPlan<HostdevChange> plan(AttachRun run) {
        VfCandidates.Candidate pick = VfCandidates.firstFree(VfCandidates.ofPf(run.inventory(), pf), run.held(), run.session().record(),
                run.inventory(), "PF " + pf);
        PhysicalFunction p = pick.pf();
        VirtualFunction vf = pick.vf();
        Allocation pending = new Allocation("hostdev", vf.address(), run.domainName(), Allocation.PENDING, p.address(), p.netdev(), vf.index(),
                null, null, null, ProcessHandle.current().pid());
        PciAddress device = PciAddress.parse(vf.address());
        return new AttachPlan<>(pending, "VF " + vf.address(), vf.address(), HostChange.NONE,
                printOnly -> hostdevs.attach(run.ctx().gateway(), run.domain(), device, run.scope(), printOnly),
                List.of("picked VF " + vf.index() + " (" + vf.address() + ") of " + pf + "; its MAC and VLAN are left to the guest's VF driver"));
    }
}
