package io.virtwire.provisioner.allocation;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.host.PhysicalFunction;
import io.virtwire.provisioner.host.VirtualFunction;
import io.virtwire.provisioner.model.MacAddress;
import io.virtwire.provisioner.model.PciAddress;
import io.virtwire.provisioner.model.VlanSpec;
import io.virtwire.provisioner.nic.InterfaceService;
import io.virtwire.provisioner.nic.NicChange;
import io.virtwire.provisioner.nic.NicRequest;
import io.virtwire.provisioner.state.Allocation;
import io.virtwire.provisioner.state.VfSettings;
import java.util.List;
import java.util.Optional;

/** A free VF of a PF or hostdev network, given MAC/VLAN/trust/spoofchk through the PF, attached as {@code <interface type='hostdev'>}. */
final class VfInterfaceStep implements DeviceStep<NicChange> {

    private final InterfaceService nics;
    private final AllocationRequest.Vf req;

    VfInterfaceStep(InterfaceService nics, AllocationRequest.Vf req) {
        this.nics = nics;
        this.req = req;
    }

    @Override
    public AttachPlan<NicChange> plan(AttachRun run) {
        List<VfCandidates.Candidate> candidates = req.pool().isPresent() ? VfCandidates.ofPool(run.ctx().gateway(), run.inventory(), req.pool().get())
                : VfCandidates.ofPf(run.inventory(), req.pf().orElseThrow());
        String from = req.pool().map(p -> "hostdev network '" + p + "'").orElseGet(() -> "PF " + req.pf().orElseThrow());
        VfCandidates.Candidate pick = VfCandidates.firstFree(candidates, run.held(), run.session().record(), run.inventory(), from);
        MacAddress mac = run.mac(req.mac());
        VirtualFunction vf = pick.vf();
        PhysicalFunction pf = pick.pf();
        if (pf.netdev() == null) {
            throw new VirtwireException(VirtwireException.Kind.HOST, "PF " + pf.address() + " has no netdev (driver " + pf.driver()
                    + "): VF settings are set through the PF's kernel driver; bind it to its kernel driver");
        }
        VfSettings previous = VfSettings.of(vf);
        VfSettings wanted = new VfSettings(mac.toString(), req.vlan().orElse(0), req.trust().orElse(previous.trust()),
                req.spoofchk().orElse(previous.spoofchk()));
        NicRequest.Hostdev nic = new NicRequest.Hostdev(PciAddress.parse(vf.address()), Optional.of(mac), req.vlan().map(VlanSpec::access));
        Allocation pending = new Allocation("hostdev", vf.address(), run.domainName(), Allocation.PENDING, pf.address(), pf.netdev(), vf.index(),
                wanted, previous, mac.toString(), ProcessHandle.current().pid());
        List<String> notes = req.pool().map(p -> List.of("picked VF " + vf.address() + " from hostdev network '" + p
                + "' and attached it as type='hostdev' (virtwire, not libvirt, tracks which VF the domain has)")).orElse(List.of());
        return new AttachPlan<>(pending, "VF " + vf.address(), vf.address(),
                new VfSettingsChange(run.ctx().host().actions(), pf.netdev(), vf, previous, wanted),
                printOnly -> nics.attach(run.ctx().gateway(), run.domain(), nic, run.scope(), false, printOnly), notes);
    }
}
