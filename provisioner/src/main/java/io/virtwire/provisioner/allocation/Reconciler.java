package io.virtwire.provisioner.allocation;

import io.virtwire.provisioner.forwarder.ForwarderClient;
import io.virtwire.provisioner.host.HostInventory;
import io.virtwire.provisioner.host.PhysicalFunction;
import io.virtwire.provisioner.host.VdpaDevice;
import io.virtwire.provisioner.host.VirtualFunction;
import io.virtwire.provisioner.host.profile.HostActions;
import io.virtwire.provisioner.state.Allocation;
import io.virtwire.provisioner.state.AllocationRecord;
import io.virtwire.provisioner.state.VfSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Brings the record in line with libvirt, which is the truth: an entry whose domain no longer holds the device is
 * released (a pending one is the trace of a crashed attach; its VF settings are rolled back), a device that moved to
 * another domain follows it, and a device a domain holds that the record lacks is adopted (a VF of a PF on this
 * host, a vhost-vdpa device of this host, a socket under virtwire's socket directory; anything else is not ours).
 */
public final class Reconciler {

    /** The reconciled record and one line per change made. */
    public record Result(AllocationRecord record, List<String> changes) {
    }

    private final HostActions actions;
    private final ForwarderClient forwarder;
    private final Path socketDir;

    public Reconciler(HostActions actions, ForwarderClient forwarder, Path socketDir) {
        this.actions = actions;
        this.forwarder = forwarder;
        this.socketDir = socketDir;
    }

    public Result reconcile(AllocationRecord record, HeldDevices held, HostInventory inventory) {
        return reconcile(record, held, inventory, true);
    }

    /**
     * With {@code apply} false nothing on the host is touched and the result says what a writable run would do
     * ("would restore"): for commands that only read, where the state directory cannot be written and the record
     * could not follow the host.
     */
    public Result reconcile(AllocationRecord record, HeldDevices held, HostInventory inventory, boolean apply) {
        List<String> changes = new ArrayList<>();
        AllocationRecord out = record;
        for (Allocation a : record.allocations()) {
            if (a.containerHolder()) {
                continue; // libvirt does not know containers: reconcileContainers
            }
            Optional<HeldDevices.Held> holder = held.holder(a.device());
            if (holder.isPresent()) {
                if (!holder.get().domain().equals(a.domain()) || a.pending()) {
                    out = out.with(a.held(holder.get().domain()));
                    changes.add(a.kind() + " " + a.device() + ": " + (a.pending() ? "pending attach to '" + a.domain()
                            + "' completed in libvirt" : "now held by '" + holder.get().domain() + "' (was '" + a.domain() + "')"));
                }
                continue;
            }
            out = out.without(a.device());
            changes.add(a.kind() + " " + a.device() + ": released from '" + a.domain() + "' (" + (a.pending()
                    ? "an interrupted attach: libvirt never got it" : "no domain holds it any more") + ")" + (apply ? release(a, inventory)
                    : wouldRelease(a)));
        }
        Result containers = reconcileContainers(actions, out, inventory, apply);
        out = containers.record();
        changes.addAll(containers.changes());
        for (HeldDevices.Held h : held.all().values()) {
            if (out.find(h.device()).isPresent()) {
                continue;
            }
            Optional<Allocation> adopted = adopt(h, inventory);
            if (adopted.isPresent()) {
                out = out.with(adopted.get());
                changes.add(h.kind() + " " + h.device() + ": adopted (held by '" + h.domain() + "', missing from the record)");
            }
        }
        return new Result(out, changes);
    }

    /**
     * The container holders' part, which needs no libvirt (the CNI plugin runs it alone): a netns that is gone (a runtime
     * that lost its container never calls DEL) frees its VF, restored as DEL would restore it.
     */
    public static Result reconcileContainers(HostActions actions, AllocationRecord record, HostInventory inventory, boolean apply) {
        List<String> changes = new ArrayList<>();
        AllocationRecord out = record;
        for (Allocation a : record.allocations()) {
            if (a.containerHolder() && !java.nio.file.Files.exists(java.nio.file.Path.of(a.container().netns()))) {
                out = out.without(a.device());
                changes.add(a.kind() + " " + a.device() + ": released from '" + a.domain() + "' (its netns " + a.container().netns()
                        + " is gone)" + (apply ? "; " + ContainerVfs.restore(actions, inventory, a) : "; not applied"));
            }
        }
        return new Result(out, changes);
    }

    private static String wouldRelease(Allocation a) {
        if (a.hostdev() && a.previous() != null && a.pfNetdev() != null && a.vfIndex() != null) {
            return "; not applied: the VF would be restored to " + a.previous();
        }
        return "vhostuser".equals(a.kind()) ? "; not applied: the forwarder port would be removed" : "; not applied";
    }

    /** Undoes what the allocation changed on the host; best effort, the result says what happened. */
    public String release(Allocation a, HostInventory inventory) {
        if (a.hostdev() && a.previous() != null && a.pfNetdev() != null && a.vfIndex() != null) {
            Optional<VirtualFunction> vf = findVf(inventory, a.device());
            if (vf.isEmpty()) {
                return "; VF is gone from the host, nothing to restore";
            }
            try {
                VfSettingsWriter.apply(actions, a.pfNetdev(), a.vfIndex(), VfSettings.of(vf.get()), a.previous());
                return "; VF settings restored (" + a.previous() + ")";
            } catch (RuntimeException e) {
                return "; restoring VF settings failed: " + e.getMessage();
            }
        }
        if ("vhostuser".equals(a.kind())) {
            try {
                forwarder.removePort(a.device());
                return "; forwarder port removed";
            } catch (RuntimeException e) {
                return "; removing the forwarder port failed: " + e.getMessage();
            }
        }
        return "";
    }

    private Optional<Allocation> adopt(HeldDevices.Held h, HostInventory inventory) {
        switch (h.kind()) {
            case "hostdev" -> {
                for (PhysicalFunction pf : inventory.pfs()) {
                    for (VirtualFunction vf : pf.vfs()) {
                        if (vf.address().equals(h.device())) {
                            return Optional.of(new Allocation("hostdev", h.device(), h.domain(), Allocation.HELD, pf.address(), pf.netdev(),
                                    vf.index(), VfSettings.of(vf), null, h.mac(), null));
                        }
                    }
                }
                return Optional.empty();
            }
            case "vdpa" -> {
                return inventory.vdpaDevices().stream().map(VdpaDevice::chardev).filter(h.device()::equals).findFirst()
                        .map(d -> new Allocation("vdpa", d, h.domain(), Allocation.HELD, null, null, null, null, null, h.mac(), null));
            }
            case "vhostuser" -> {
                Path p = Path.of(h.device()).normalize();
                return p.startsWith(socketDir) ? Optional.of(new Allocation("vhostuser", h.device(), h.domain(), Allocation.HELD, null, null,
                        null, null, null, h.mac(), null)) : Optional.empty();
            }
            default -> {
                return Optional.empty();
            }
        }
    }

    public static Optional<VirtualFunction> findVf(HostInventory inventory, String address) {
        return inventory.pfs().stream().flatMap(p -> p.vfs().stream()).filter(v -> v.address().equals(address)).findFirst();
    }
}
