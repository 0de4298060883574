package io.virtwire.provisioner.allocation;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.host.HostInventory;
import io.virtwire.provisioner.host.IommuGroup;
import io.virtwire.provisioner.host.PhysicalFunction;
import io.virtwire.provisioner.host.VirtualFunction;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import io.virtwire.provisioner.libvirt.xml.HostdevNetwork;
import io.virtwire.provisioner.model.PciAddress;
import io.virtwire.provisioner.state.Allocation;
import io.virtwire.provisioner.state.AllocationRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The one place that decides which VF an allocation may hand out (VF interfaces and plain PCI passthrough alike):
 * the candidates of a PF or a hostdev network, and the first of them that no domain holds, the record does not
 * reserve, and that sits alone in its IOMMU group. A new reason to skip a VF belongs in {@link #whyNotFree}.
 */
final class VfCandidates {

    record Candidate(PhysicalFunction pf, VirtualFunction vf) {
    }

    private VfCandidates() {
    }

    /** Every VF of {@code pfName} (netdev or PCI address); refuses an unknown PF or one without VFs. */
    static List<Candidate> ofPf(HostInventory inventory, String pfName) {
        PhysicalFunction pf = inventory.pf(pfName).orElseThrow(() -> VirtwireException.notFound("unknown PF '" + pfName + "': this host's PFs are "
                + (inventory.pfs().isEmpty() ? "none" : String.join(", ", inventory.pfs().stream()
                .map(p -> p.address() + (p.netdev() == null ? "" : " (" + p.netdev() + ")")).toList()))
                + " (see 'virtwire host show')"));
        if (pf.vfs().isEmpty()) {
            throw VirtwireException.conflict("PF " + pfName + " has no VFs (sriov_numvfs is " + pf.numVfs() + "): create them with"
                    + " 'echo N > /sys/bus/pci/devices/" + pf.address() + "/sriov_numvfs' or a host profile (virtwire host apply)");
        }
        return pf.vfs().stream().map(v -> new Candidate(pf, v)).toList();
    }

    /** Every VF a libvirt hostdev network names (its {@code <pf>}s' VFs and its {@code <address>}es). */
    static List<Candidate> ofPool(LibvirtGateway gw, HostInventory inventory, String pool) {
        HostdevNetwork net;
        try {
            net = HostdevNetwork.parse(gw.networkXml(pool));
        } catch (IllegalArgumentException e) {
            throw VirtwireException.invalid("network '" + pool + "' is not a hostdev network (<forward mode='hostdev'>): " + e.getMessage());
        }
        List<Candidate> out = new ArrayList<>();
        for (String pfName : net.pfs()) {
            out.addAll(ofPf(inventory, pfName));
        }
        for (PciAddress a : net.vfs()) {
            for (PhysicalFunction pf : inventory.pfs()) {
                pf.vfs().stream().filter(v -> v.address().equals(a.toString())).forEach(v -> out.add(new Candidate(pf, v)));
            }
        }
        if (out.isEmpty()) {
            throw VirtwireException.notFound("hostdev network '" + pool + "' names no VF of this host (pfs " + net.pfs() + ", addresses "
                    + net.vfs() + "; see 'virtwire host show')");
        }
        return out;
    }

    /** The first free candidate; else a CONFLICT that says, VF by VF, why none is free. */
    static Candidate firstFree(List<Candidate> candidates, HeldDevices held, AllocationRecord record, HostInventory inventory, String from) {
        List<String> why = new ArrayList<>();
        for (Candidate c : candidates) {
            Optional<String> notFree = whyNotFree(c.vf(), held, record, inventory);
            if (notFree.isEmpty()) {
                return c;
            }
            why.add(c.vf().address() + " " + notFree.get());
        }
        throw VirtwireException.conflict("no free VF on " + from + ": " + String.join("; ", why)
                + " (detach one with 'virtwire detach-interface' or 'virtwire detach-hostdev', or create more VFs)");
    }

    /** Empty when {@code vf} may be handed out; else why not, after the VF's address ("held by 'vm1'"). */
    static Optional<String> whyNotFree(VirtualFunction vf, HeldDevices held, AllocationRecord record, HostInventory inventory) {
        Optional<HeldDevices.Held> h = held.holder(vf.address());
        if (h.isPresent()) {
            return Optional.of("held by '" + h.get().domain() + "'");
        }
        Optional<Allocation> r = record.find(vf.address());
        if (r.isPresent()) {
            return Optional.of("reserved for '" + r.get().domain() + "'");
        }
        Optional<String> reserved = inventory.reservedFor(vf.address());
        if (reserved.isPresent()) {
            return Optional.of("reserved for " + reserved.get() + " by the host profile");
        }
        return isolationProblem(inventory, vf);
    }

    /** Empty when the VF's IOMMU group holds only it (bridges aside), which VFIO needs to assign it alone. */
    static Optional<String> isolationProblem(HostInventory inventory, VirtualFunction vf) {
        if (vf.iommuGroup() == null) {
            return Optional.of("has no IOMMU group (the IOMMU is off: enable intel_iommu=on / amd_iommu=on)");
        }
        Optional<IommuGroup> group = inventory.iommu().groups().stream().filter(g -> g.id().equals(vf.iommuGroup())).findFirst();
        if (group.isEmpty()) {
            return Optional.of("is in IOMMU group " + vf.iommuGroup() + " which the host does not list");
        }
        List<String> others = group.get().devices().stream().filter(m -> !m.bridge() && !m.address().equals(vf.address()))
                .map(IommuGroup.GroupMember::address).toList();
        return others.isEmpty() ? Optional.empty()
                : Optional.of("shares IOMMU group " + vf.iommuGroup() + " with " + String.join(", ", others) + " (not isolated)");
    }
}
