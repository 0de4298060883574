package io.virtwire.provisioner.allocation;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.host.HostInventory;
import io.virtwire.provisioner.host.PhysicalFunction;
import io.virtwire.provisioner.host.VirtualFunction;
import io.virtwire.provisioner.host.profile.HostActions;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import io.virtwire.provisioner.model.PciAddress;
import io.virtwire.provisioner.state.Allocation;
import io.virtwire.provisioner.state.AllocationRecord;
import io.virtwire.provisioner.state.ContainerHolder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The VF side of container holders (the CNI plugin, docs/user-guide/containers.md): which VF of a PF a container may
 * get, and how a container's VF is given back. VMs and containers share the record: a VF the record lists (for a
 * domain or a container) is never picked, and {@link VfCandidates} skips container entries the same way.
 */
public final class ContainerVfs {

    private ContainerVfs() {
    }

    /** The VF a container gets, with the PF it is configured through. */
    public record Pick(PhysicalFunction pf, VirtualFunction vf) {
    }

    /** The first free VF of PF {@code pf} (netdev or PCI address) for {@code mode}; see {@link #pick}. */
    public static Pick fromPf(HostInventory inventory, AllocationRecord record, String pf, String mode) {
        return pick(VfCandidates.ofPf(inventory, pf), inventory, record, "PF " + pf, mode);
    }

    /**
     * The first free VF of libvirt hostdev network {@code pool} for {@code mode}: the pool resolves as
     * {@code attach-interface --pool} resolves it ({@link VfCandidates#ofPool}), so VMs and containers share pools.
     */
    public static Pick fromPool(LibvirtGateway gateway, HostInventory inventory, AllocationRecord record, String pool, String mode) {
        return pick(VfCandidates.ofPool(gateway, inventory, pool), inventory, record, "hostdev network '" + pool + "'", mode);
    }

    /**
     * The first candidate a container may get in {@code mode}; else a CONFLICT naming, VF by VF, why not.
     * A VF reserved by the host profile ({@code reserve: dpdk}) goes to mode vfio only; mode vfio needs an isolated
     * IOMMU group, mode netdev a VF with a kernel netdev.
     */
    private static Pick pick(List<VfCandidates.Candidate> candidates, HostInventory inventory, AllocationRecord record, String from, String mode) {
        List<String> why = new ArrayList<>();
        for (VfCandidates.Candidate c : candidates) {
            Optional<String> notFree = whyNot(c.vf(), inventory, record, mode);
            if (notFree.isEmpty()) {
                return new Pick(c.pf(), c.vf());
            }
            why.add(c.vf().address() + " " + notFree.get());
        }
        throw VirtwireException.conflict("no free VF on " + from + " for mode " + mode + ": " + String.join("; ", why)
                + " (free one with a CNI DEL or 'virtwire detach-interface', or create more VFs)");
    }

    private static Optional<String> whyNot(VirtualFunction vf, HostInventory inventory, AllocationRecord record, String mode) {
        Optional<Allocation> r = record.find(vf.address());
        if (r.isPresent()) {
            return Optional.of("held by '" + r.get().domain() + "'");
        }
        Optional<String> reserved = inventory.reservedFor(vf.address());
        if (ContainerHolder.VFIO.equals(mode)) {
            if (reserved.isPresent() && !"dpdk".equals(reserved.get())) {
                return Optional.of("reserved for " + reserved.get() + " by the host profile");
            }
            return VfCandidates.isolationProblem(inventory, vf);
        }
        if (reserved.isPresent()) {
            return Optional.of("reserved for " + reserved.get() + " by the host profile (mode vfio only)");
        }
        if (vf.netdev() == null) {
            return Optional.of("has no kernel netdev (driver " + (vf.driver() == null ? "none" : vf.driver()) + ")");
        }
        return Optional.empty();
    }

    /**
     * Gives a container's VF back on the host side: its admin settings as they were before the ADD, and in mode vfio
     * its previous driver. Moving a netdev out of a live netns is the CNI plugin's part (a netns that is gone gave
     * its physical netdevs back to the host already). Best effort: the result says what happened.
     */
    public static String restore(HostActions actions, HostInventory inventory, Allocation a) {
        List<String> done = new ArrayList<>();
        Optional<VirtualFunction> vf = Reconciler.findVf(inventory, a.device());
        if (vf.isEmpty()) {
            return "VF is gone from the host, nothing to restore";
        }
        if (a.previous() != null && a.pfNetdev() != null && a.vfIndex() != null) {
            try {
                VfSettingsWriter.apply(actions, a.pfNetdev(), a.vfIndex(), io.virtwire.provisioner.state.VfSettings.of(vf.get()), a.previous());
                done.add("VF settings restored (" + a.previous() + ")");
            } catch (RuntimeException e) {
                done.add("restoring VF settings failed: " + e.getMessage());
            }
        }
        ContainerHolder c = a.container();
        if (c != null && ContainerHolder.VFIO.equals(c.mode()) && "vfio-pci".equals(vf.get().driver())) {
            try {
                PciAddress addr = PciAddress.parse(a.device());
                actions.unbind(addr);
                actions.overrideDriver(addr, null);
                if (c.previousDriver() != null) {
                    actions.probe(addr);
                }
                done.add("driver restored (" + (c.previousDriver() == null ? "none" : c.previousDriver()) + ")");
            } catch (RuntimeException e) {
                done.add("restoring the driver failed: " + e.getMessage());
            }
        }
        return String.join(", ", done);
    }
}
