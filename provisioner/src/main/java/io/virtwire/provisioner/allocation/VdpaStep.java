package io.virtwire.provisioner.allocation;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.host.HostInventory;
import io.virtwire.provisioner.host.PhysicalFunction;
import io.virtwire.provisioner.host.VdpaDevice;
import io.virtwire.provisioner.model.MacAddress;
import io.virtwire.provisioner.nic.InterfaceService;
import io.virtwire.provisioner.nic.NicChange;
import io.virtwire.provisioner.nic.NicRequest;
import io.virtwire.provisioner.state.Allocation;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** A free /dev/vhost-vdpa-N (optionally on one parent), attached as {@code <interface type='vdpa'>}; the host is not changed. */
final class VdpaStep implements DeviceStep<NicChange> {

    private final InterfaceService nics;
    private final AllocationRequest.Vdpa req;

    VdpaStep(InterfaceService nics, AllocationRequest.Vdpa req) {
        this.nics = nics;
        this.req = req;
    }

    @Override
    public AttachPlan<NicChange> plan(AttachRun run) {
        VdpaDevice pick = firstFree(run, usable(run.inventory()));
        MacAddress mac = run.mac(req.mac());
        NicRequest.Vdpa nic = new NicRequest.Vdpa(pick.chardev(), Optional.of(mac), req.queues());
        Allocation pending = new Allocation("vdpa", pick.chardev(), run.domainName(), Allocation.PENDING, null, null, null, null, null,
                mac.toString(), ProcessHandle.current().pid());
        return new AttachPlan<>(pending, pick.chardev(), pick.chardev(), HostChange.NONE,
                printOnly -> nics.attach(run.ctx().gateway(), run.domain(), nic, run.scope(), false, printOnly), List.of());
    }

    /** The vhost-vdpa devices bound to vhost_vdpa, on the requested parent (a PF, one of its VFs, or the management device). */
    private List<VdpaDevice> usable(HostInventory inventory) {
        List<VdpaDevice> usable = inventory.vdpaDevices().stream().filter(d -> d.chardev() != null && "vhost_vdpa".equals(d.driver())).toList();
        if (req.parent().isEmpty()) {
            return usable;
        }
        String parent = req.parent().get();
        Optional<PhysicalFunction> pf = inventory.pf(parent);
        Set<String> parents = new HashSet<>();
        parents.add(parent);
        pf.ifPresent(p -> {
            parents.add(p.address());
            p.vfs().forEach(v -> parents.add(v.address()));
        });
        if (pf.isEmpty() && usable.stream().noneMatch(d -> parent.equals(d.parent()) || parent.equals(d.mgmtdev()))) {
            throw VirtwireException.notFound("unknown vDPA parent '" + parent + "': not a PF of this host nor the parent of a vhost-vdpa device"
                    + " (see 'virtwire host show')");
        }
        return usable.stream().filter(d -> parents.contains(d.parent()) || parent.equals(d.mgmtdev())
                || parents.contains(String.valueOf(d.mgmtdev()).replace("pci/", ""))).toList();
    }

    private VdpaDevice firstFree(AttachRun run, List<VdpaDevice> usable) {
        List<String> why = new ArrayList<>();
        for (VdpaDevice d : usable) {
            Optional<HeldDevices.Held> h = run.held().holder(d.chardev());
            Optional<Allocation> r = run.session().record().find(d.chardev());
            if (h.isPresent()) {
                why.add(d.chardev() + " held by '" + h.get().domain() + "'");
            } else if (r.isPresent()) {
                why.add(d.chardev() + " reserved for '" + r.get().domain() + "'");
            } else {
                return d;
            }
        }
        throw VirtwireException.conflict("no free vhost-vdpa device" + req.parent().map(p -> " on " + p).orElse("") + ": "
                + (why.isEmpty() ? "the host has none bound to vhost_vdpa (vdpa dev add ...; see 'virtwire host doctor --for vdpa')" : String.join("; ", why)));
    }
}
