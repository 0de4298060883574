package io.virtwire.provisioner.allocation;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.forwarder.ForwarderClient;
import io.virtwire.provisioner.forwarder.QemuSocketAccess;
import io.virtwire.provisioner.host.HostInventory;
import io.virtwire.provisioner.host.IommuGroup;
import io.virtwire.provisioner.host.PhysicalFunction;
import io.virtwire.provisioner.host.VdpaDevice;
import io.virtwire.provisioner.host.VirtualFunction;
import io.virtwire.provisioner.libvirt.DeviceScope;
import io.virtwire.provisioner.libvirt.DomainState;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import io.virtwire.provisioner.libvirt.xml.HostdevNetwork;
import io.virtwire.provisioner.model.MacAddress;
import io.virtwire.provisioner.model.PciAddress;
import io.virtwire.provisioner.model.UnixSocketPath;
import io.virtwire.provisioner.model.VlanSpec;
import io.virtwire.provisioner.nic.InterfaceService;
import io.virtwire.provisioner.nic.MacGenerator;
import io.virtwire.provisioner.nic.NicChange;
import io.virtwire.provisioner.nic.NicRequest;
import io.virtwire.provisioner.state.Allocation;
import io.virtwire.provisioner.state.AllocationRecord;
import io.virtwire.provisioner.state.StateStore;
import io.virtwire.provisioner.state.VfSettings;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Picks a free device, configures it on the host, records it, and attaches it, under the state lock so concurrent
 * invocations never hand out one device twice. Order and rollback:
 * <ol>
 *   <li>every check (domain state, PF/pool, a free device, MAC) before any change;</li>
 *   <li>record the allocation as {@code pending} (with the VF's previous settings) and save it;</li>
 *   <li>change the host (VF MAC/VLAN/trust/spoofchk; forwarder port);</li>
 *   <li>attach through {@link InterfaceService}; on failure restore the host and drop the entry, and say so;</li>
 *   <li>mark the entry {@code held}.</li>
 * </ol>
 * A crash between 2 and 5 leaves a pending entry that the next run's reconciliation completes (libvirt has the
 * device) or rolls back (it has not).
 */
public final class AllocationService {

    private final InterfaceService nics;
    private final MacGenerator macs = new MacGenerator();

    @Inject
    public AllocationService(InterfaceService nics) {
        this.nics = nics;
    }

    /** Reconciles and saves; the caller holds the session. */
    public Reconciler.Result reconcile(LifecycleContext ctx, StateStore.Session session) {
        Reconciler.Result r = ctx.reconciler().reconcile(session.record(), HeldDevices.scan(ctx.gateway()), ctx.host().inventory());
        session.save(r.record());
        return r;
    }

    /**
     * Reconciles, saves, and reads the host again when reconciliation changed it: a rolled-back attach restores its
     * VF, and what is shown or recorded next (vf list's rows, an attach's {@code previous}) must be the VF as it is
     * now, not as the crashed attach left it.
     */
    private static Reconciled reconcileThenRead(LifecycleContext ctx, StateStore.Session session, HeldDevices held) {
        HostInventory before = ctx.host().inventory();
        Optional<String> readOnly = session.readOnly();
        Reconciler.Result rec = ctx.reconciler().reconcile(session.record(), held, before, readOnly.isEmpty());
        if (session.dryRun()) {
            // asked for: no warning; what follows (a VF picked for --print-xml) sees the record as a real run would
            session.assume(rec.record());
            return new Reconciled(rec, before, List.of(), false);
        }
        if (readOnly.isPresent()) {
            List<String> warnings = new ArrayList<>();
            warnings.add("the state directory " + ctx.store().dir() + " is read-only (" + readOnly.get() + "): the allocation record was"
                    + " read, not reconciled" + (rec.changes().isEmpty() ? "" : "; a writable run would reconcile: " + String.join("; ", rec.changes())));
            return new Reconciled(rec, before, warnings, false);
        }
        session.save(rec.record());
        return new Reconciled(rec, rec.changes().isEmpty() ? before : ctx.host().inventory(), List.of(), true);
    }

    /** @param applied whether the changes were made (false: a dry run or a read-only state directory, nothing changed) */
    private record Reconciled(Reconciler.Result result, HostInventory inventory, List<String> warnings, boolean applied) {
    }

    /**
     * {@code vf list}'s {@code reconcile}: whether reconciliation was applied, and when not (--no-reconcile, a
     * read-only state directory) what a run that applies it would change, one line per entry.
     */
    public record ReconcileReport(boolean applied, List<String> wouldChange) {
    }

    /**
     * {@code virtwire vf list}'s JSON: every VF (of one PF with --pf), what reconciliation changed first, whether it
     * was applied and what it would change when not, and warnings (a read-only state directory: nothing was reconciled).
     */
    public record VfList(java.util.List<VfRow> vfs, java.util.List<String> reconciled, ReconcileReport reconcile,
                         java.util.List<String> warnings) {
    }

    public VfList listVfs(LifecycleContext ctx, Optional<String> pfFilter) {
        return listVfs(ctx, pfFilter, true);
    }

    /**
     * @param reconcile false for {@code vf list --no-reconcile}: nothing is written or restored (no record, no VF
     *                  setting, no forwarder port, not even the state directory), and {@code reconcile.wouldChange}
     *                  says what a reconciling run would do
     */
    public VfList listVfs(LifecycleContext ctx, Optional<String> pfFilter, boolean reconcile) {
        try (StateStore.Session session = reconcile ? ctx.store().openForReading(ctx.lockTimeout()) : ctx.store().openDryRun(ctx.lockTimeout())) {
            HeldDevices held = HeldDevices.scan(ctx.gateway());
            AllocationRecord recorded = session.record();
            Reconciled r = reconcileThenRead(ctx, session, held);
            if (r.applied()) {
                recorded = session.record();
            }
            Reconciler.Result rec = r.result();
            HostInventory inventory = r.inventory();
            List<PhysicalFunction> pfs = pfFilter.map(name -> List.of(inventory.pf(name).orElseThrow(() -> VirtwireException.notFound(
                    "unknown PF '" + name + "': this host's PFs are " + String.join(", ", inventory.pfs().stream()
                            .map(p -> p.address() + (p.netdev() == null ? "" : " (" + p.netdev() + ")")).toList()))))).orElse(inventory.pfs());
            List<VfRow> rows = new ArrayList<>();
            for (PhysicalFunction pf : pfs) {
                for (VirtualFunction vf : pf.vfs()) {
                    Optional<HeldDevices.Held> h = held.holder(vf.address());
                    Optional<String> problem = isolationProblem(inventory, vf);
                    String state = h.isPresent() ? "held" : problem.isPresent() ? "unusable" : "free";
                    rows.add(new VfRow(pf.address(), pf.netdev(), vf.index(), vf.address(), vf.driver(), vf.mac(), vf.vlan(), vf.qos(), vf.trust(),
                            vf.spoofchk(), vf.linkState(), vf.iommuGroup(), h.map(HeldDevices.Held::domain).orElse(null), state,
                            recorded.find(vf.address()).isPresent(), problem.orElse(null))); // as saved (read-only, dry run: as read)
                }
            }
            return new VfList(rows, r.applied() ? rec.changes() : List.of(),
                    new ReconcileReport(r.applied(), r.applied() ? List.of() : rec.changes()), r.warnings());
        }
    }

    public NicChange attach(LifecycleContext ctx, String domain, AllocationRequest request, DeviceScope requested, boolean printOnly) {
        LibvirtGateway gw = ctx.gateway();
        DomainState state = gw.domain(domain);
        DeviceScope scope = InterfaceService.effectiveScope(state, requested);
        // --print-xml (Ansible's check mode) is a dry run: it reconciles only in memory and writes nothing
        try (StateStore.Session session = printOnly ? ctx.store().openDryRun(ctx.lockTimeout()) : ctx.store().open(ctx.lockTimeout())) {
            HeldDevices held = HeldDevices.scan(gw);
            Reconciled r = reconcileThenRead(ctx, session, held);
            HostInventory inventory = r.inventory();
            List<String> notes = new ArrayList<>();
            r.result().changes().forEach(c -> notes.add((r.applied() ? "reconciled: " : "would reconcile: ") + c));
            return switch (request) {
                case AllocationRequest.Vf vf -> attachVf(ctx, session, held, inventory, domain, vf, scope, printOnly, notes);
                case AllocationRequest.Vdpa v -> attachVdpa(ctx, session, held, inventory, domain, v, scope, printOnly, notes);
                case AllocationRequest.VhostUser u -> attachSocket(ctx, session, held, domain, u, scope, printOnly, notes);
            };
        }
    }

    // ------------------------------------------------------------------------------------------ VFs

    private NicChange attachVf(LifecycleContext ctx, StateStore.Session session, HeldDevices held, HostInventory inventory, String domain,
                               AllocationRequest.Vf req, DeviceScope scope, boolean printOnly, List<String> notes) {
        List<Candidate> candidates = req.pool().isPresent() ? poolCandidates(ctx.gateway(), inventory, req.pool().get())
                : pfCandidates(inventory, req.pf().orElseThrow());
        String from = req.pool().map(p -> "hostdev network '" + p + "'").orElseGet(() -> "PF " + req.pf().orElseThrow());
        Candidate pick = pickFree(candidates, held, session.record(), inventory, from);
        MacAddress mac = chooseMac(req.mac(), held, session.record(), inventory);
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
        Allocation pending = new Allocation("hostdev", vf.address(), domain, Allocation.PENDING, pf.address(), pf.netdev(), vf.index(),
                wanted, previous, mac.toString(), ProcessHandle.current().pid());
        if (req.pool().isPresent()) {
            notes.add("picked VF " + vf.address() + " from hostdev network '" + req.pool().get()
                    + "' and attached it as type='hostdev' (virtwire, not libvirt, tracks which VF the domain has)");
        }
        if (printOnly) {
            NicChange preview = nics.attach(ctx.gateway(), domain, nic, scope, false, true);
            notes.add("would set on VF " + vf.index() + " of " + pf.netdev() + ": " + wanted);
            return preview.withAllocation(pending, notes);
        }
        session.save(session.record().with(pending));
        List<String> ran;
        try {
            ran = VfSettingsWriter.apply(ctx.host().actions(), pf.netdev(), vf.index(), previous, wanted);
        } catch (RuntimeException e) {
            String restored = restoreAndDrop(ctx, session, pending);
            throw new VirtwireException(VirtwireException.Kind.HOST, "configuring VF " + vf.index() + " (" + vf.address() + ") of " + pf.netdev()
                    + " failed: " + e.getMessage() + "; " + restored + "; nothing was attached", e);
        }
        NicChange change;
        try {
            change = nics.attach(ctx.gateway(), domain, nic, scope, false, false);
        } catch (RuntimeException e) {
            String restored = restoreAndDrop(ctx, session, pending);
            VirtwireException.Kind kind = e instanceof VirtwireException ve ? ve.kind() : VirtwireException.Kind.LIBVIRT;
            throw new VirtwireException(kind, "attaching VF " + vf.address() + " to '" + domain + "' failed: " + e.getMessage()
                    + "; rolled back: " + restored, e);
        }
        ran.forEach(c -> notes.add("host: " + c));
        return change.withAllocation(finish(session, pending, domain, notes), notes);
    }

    /**
     * Marks the entry held once libvirt has the NIC. From here the attach has happened: a failing save (a full disk)
     * must not turn it into a failure, or an operator who retries gets a second device. The pending entry already on
     * disk is enough for the next command's reconciliation, which sees libvirt holding the device and completes it;
     * the answer says so in a warning.
     */
    private static Allocation finish(StateStore.Session session, Allocation pending, String domain, List<String> notes) {
        Allocation done = pending.held(domain);
        try {
            session.save(session.record().with(done));
        } catch (VirtwireException e) {
            notes.add(WARNING + "the NIC is attached (libvirt has " + pending.device() + " in '" + domain + "'), but the allocation record"
                    + " could not be updated (" + e.getMessage() + "): it still says pending, and the next virtwire command completes it"
                    + " from what libvirt shows; do not attach again (free space in " + session.storeDir() + ", then run 'virtwire vf list')");
        }
        return done;
    }

    /** Notes that start with this are warnings: the CLI also prints them on stderr. */
    public static final String WARNING = "warning: ";

    private String restoreAndDrop(LifecycleContext ctx, StateStore.Session session, Allocation a) {
        String what;
        try {
            VfSettingsWriter.apply(ctx.host().actions(), a.pfNetdev(), a.vfIndex(), null, a.previous());
            what = "restored VF " + a.vfIndex() + " of " + a.pfNetdev() + " to " + a.previous();
        } catch (RuntimeException e) {
            what = "could not restore VF " + a.vfIndex() + " of " + a.pfNetdev() + " (" + e.getMessage() + ")";
        }
        try {
            session.save(session.record().without(a.device()));
        } catch (VirtwireException e) {
            // libvirt does not have it: the pending entry left on disk is rolled back by the next command's reconciliation
            return what + "; the record still lists " + a.device() + " as pending (" + e.getMessage() + "), the next virtwire command releases it";
        }
        return what + " and released " + a.device() + " in the record";
    }

    record Candidate(PhysicalFunction pf, VirtualFunction vf) {
    }

    private static List<Candidate> pfCandidates(HostInventory inventory, String pfName) {
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

    private static List<Candidate> poolCandidates(LibvirtGateway gw, HostInventory inventory, String pool) {
        HostdevNetwork net;
        try {
            net = HostdevNetwork.parse(gw.networkXml(pool));
        } catch (IllegalArgumentException e) {
            throw VirtwireException.invalid("network '" + pool + "' is not a hostdev network (<forward mode='hostdev'>): " + e.getMessage());
        }
        List<Candidate> out = new ArrayList<>();
        for (String pfName : net.pfs()) {
            out.addAll(pfCandidates(inventory, pfName));
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

    private static Candidate pickFree(List<Candidate> candidates, HeldDevices held, AllocationRecord record, HostInventory inventory, String from) {
        List<String> why = new ArrayList<>();
        for (Candidate c : candidates) {
            String addr = c.vf().address();
            Optional<HeldDevices.Held> h = held.holder(addr);
            if (h.isPresent()) {
                why.add(addr + " held by '" + h.get().domain() + "'");
                continue;
            }
            Optional<Allocation> r = record.find(addr);
            if (r.isPresent()) {
                why.add(addr + " reserved for '" + r.get().domain() + "'");
                continue;
            }
            Optional<String> isolation = isolationProblem(inventory, c.vf());
            if (isolation.isPresent()) {
                why.add(addr + " " + isolation.get());
                continue;
            }
            return c;
        }
        throw VirtwireException.conflict("no free VF on " + from + ": " + String.join("; ", why)
                + " (detach one with 'virtwire detach-interface', or create more VFs)");
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

    private MacAddress chooseMac(Optional<MacAddress> given, HeldDevices held, AllocationRecord record, HostInventory inventory) {
        Set<MacAddress> taken = new HashSet<>(held.macs());
        record.allocations().stream().map(Allocation::mac).filter(m -> m != null).map(MacAddress::parse).forEach(taken::add);
        if (given.isPresent()) {
            if (taken.contains(given.get())) {
                throw VirtwireException.conflict("MAC " + given.get() + " is already used by a NIC on this connection or in the allocation record:"
                        + " pick another --mac, or omit it to get a generated one");
            }
            return given.get();
        }
        inventory.pfs().stream().flatMap(p -> p.vfs().stream()).map(VirtualFunction::mac)
                .filter(m -> m != null && !m.equals(VirtualFunction.ZERO_MAC)).forEach(m -> taken.add(MacAddress.parse(m)));
        return macs.next(taken);
    }

    // ------------------------------------------------------------------------------------------ vDPA

    private NicChange attachVdpa(LifecycleContext ctx, StateStore.Session session, HeldDevices held, HostInventory inventory, String domain,
                                 AllocationRequest.Vdpa req, DeviceScope scope, boolean printOnly, List<String> notes) {
        List<VdpaDevice> usable = inventory.vdpaDevices().stream().filter(d -> d.chardev() != null && "vhost_vdpa".equals(d.driver())).toList();
        if (req.parent().isPresent()) {
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
            usable = usable.stream().filter(d -> parents.contains(d.parent()) || parent.equals(d.mgmtdev())
                    || parents.contains(String.valueOf(d.mgmtdev()).replace("pci/", ""))).toList();
        }
        List<String> why = new ArrayList<>();
        VdpaDevice pick = null;
        for (VdpaDevice d : usable) {
            Optional<HeldDevices.Held> h = held.holder(d.chardev());
            Optional<Allocation> r = session.record().find(d.chardev());
            if (h.isPresent()) {
                why.add(d.chardev() + " held by '" + h.get().domain() + "'");
            } else if (r.isPresent()) {
                why.add(d.chardev() + " reserved for '" + r.get().domain() + "'");
            } else {
                pick = d;
                break;
            }
        }
        if (pick == null) {
            throw VirtwireException.conflict("no free vhost-vdpa device" + req.parent().map(p -> " on " + p).orElse("") + ": "
                    + (why.isEmpty() ? "the host has none bound to vhost_vdpa (vdpa dev add ...; see 'virtwire host doctor --for vdpa')" : String.join("; ", why)));
        }
        MacAddress mac = chooseMac(req.mac(), held, session.record(), inventory);
        NicRequest.Vdpa nic = new NicRequest.Vdpa(pick.chardev(), Optional.of(mac), req.queues());
        Allocation pending = new Allocation("vdpa", pick.chardev(), domain, Allocation.PENDING, null, null, null, null, null, mac.toString(),
                ProcessHandle.current().pid());
        if (printOnly) {
            return nics.attach(ctx.gateway(), domain, nic, scope, false, true).withAllocation(pending, notes);
        }
        session.save(session.record().with(pending));
        NicChange change;
        try {
            change = nics.attach(ctx.gateway(), domain, nic, scope, false, false);
        } catch (RuntimeException e) {
            session.save(session.record().without(pending.device()));
            throw rethrow(e, "attaching " + pick.chardev() + " to '" + domain + "' failed: ", "; released " + pick.chardev() + " in the record");
        }
        return change.withAllocation(finish(session, pending, domain, notes), notes);
    }

    // ------------------------------------------------------------------------------------------ vhost-user

    private NicChange attachSocket(LifecycleContext ctx, StateStore.Session session, HeldDevices held, String domain,
                                   AllocationRequest.VhostUser req, DeviceScope scope, boolean printOnly, List<String> notes) {
        String base = domain.replaceAll("[^A-Za-z0-9_.-]", "_");
        UnixSocketPath socket = null;
        for (int n = 0; n < 4096 && socket == null; n++) {
            String p = ctx.socketDir().resolve(base + "-" + n + ".sock").toString();
            if (held.holder(p).isEmpty() && session.record().find(p).isEmpty() && !Files.exists(Path.of(p))) {
                try {
                    socket = new UnixSocketPath(p);
                } catch (IllegalArgumentException e) {
                    throw VirtwireException.invalid(e.getMessage() + " (the domain name makes it too long; set VIRTWIRE_RUN_DIR to a shorter directory)");
                }
            }
        }
        if (socket == null) {
            throw VirtwireException.conflict("no free socket name for '" + domain + "' under " + ctx.socketDir());
        }
        MacAddress mac = chooseMac(req.mac(), held, session.record(), ctx.host().inventory());
        // the forwarder port gets the queue pairs the XML will ask for (1 without <driver queues>); the Port refuses
        // more than a forwarder port takes, before the record, the forwarder or libvirt is touched
        ForwarderClient.Port port = new ForwarderClient.Port(domain, socket.toString(), mac.toString(),
                req.mode() == io.virtwire.provisioner.libvirt.xml.VhostUserInterface.Mode.CLIENT,
                req.queues().map(io.virtwire.provisioner.model.QueueCount::value).orElse(1));
        NicRequest.VhostUser nic = new NicRequest.VhostUser(socket, req.mode(), Optional.of(mac), req.queues(),
                req.mode() == io.virtwire.provisioner.libvirt.xml.VhostUserInterface.Mode.CLIENT
                        ? Optional.of(NicRequest.DEFAULT_RECONNECT_SECONDS) : Optional.empty());
        Allocation pending = new Allocation("vhostuser", socket.toString(), domain, Allocation.PENDING, null, null, null, null, null,
                mac.toString(), ProcessHandle.current().pid());
        if (printOnly) {
            return nics.attach(ctx.gateway(), domain, nic, scope, req.fixMemory(), true).withAllocation(pending, notes);
        }
        prepareSocketDir(ctx.socketDir());
        session.save(session.record().with(pending));
        NicChange change;
        try {
            ctx.forwarder().addPort(port);
            change = nics.attach(ctx.gateway(), domain, nic, scope, req.fixMemory(), false);
        } catch (RuntimeException e) {
            try {
                ctx.forwarder().removePort(socket.toString());
            } catch (RuntimeException ignored) {
                // the port may never have been added
            }
            session.save(session.record().without(pending.device()));
            throw rethrow(e, "attaching vhost-user socket " + socket + " to '" + domain + "' failed: ",
                    "; removed the forwarder port and released the socket in the record");
        }
        Allocation done = finish(session, pending, domain, notes);
        notes.add(ctx.forwarder().describe());
        return change.withAllocation(done, notes);
    }

    /**
     * The socket directory must let QEMU (user libvirt-qemu, or qemu) reach the socket and, in server mode, create it:
     * group-writable for the QEMU user's group when that group exists, else world-writable like /tmp.
     */
    static void prepareSocketDir(Path dir) {
        QemuSocketAccess.prepareDirectory(dir);
    }


    private static VirtwireException rethrow(RuntimeException e, String prefix, String suffix) {
        VirtwireException.Kind kind = e instanceof VirtwireException ve ? ve.kind() : VirtwireException.Kind.LIBVIRT;
        return new VirtwireException(kind, prefix + e.getMessage() + suffix, e);
    }
}
