package io.virtwire.provisioner.allocation;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.host.HostInventory;
import io.virtwire.provisioner.host.PhysicalFunction;
import io.virtwire.provisioner.host.VirtualFunction;
import io.virtwire.provisioner.libvirt.DeviceScope;
import io.virtwire.provisioner.libvirt.DomainSnapshot;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import io.virtwire.provisioner.nic.DeviceChange;
import io.virtwire.provisioner.nic.HostdevChange;
import io.virtwire.provisioner.nic.HostdevService;
import io.virtwire.provisioner.nic.InterfaceService;
import io.virtwire.provisioner.nic.MacGenerator;
import io.virtwire.provisioner.nic.NicChange;
import io.virtwire.provisioner.state.StateStore;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Picks a free device, configures it on the host, records it, and attaches it, under the state lock so concurrent
 * invocations never hand out one device twice. Every kind runs the same {@link AttachTemplate} (allocate → configure →
 * attach → roll back) with its own {@link DeviceStep}: {@link VfInterfaceStep}, {@link VdpaStep}, {@link VhostUserStep}
 * and {@link PciHostdevStep}. Also lists VFs ({@code vf list}) and reconciles the record with libvirt.
 */
public final class AllocationService {

    private final InterfaceService nics;
    private final HostdevService hostdevs;
    private final MacGenerator macs = new MacGenerator();

    @Inject
    public AllocationService(InterfaceService nics, HostdevService hostdevs) {
        this.nics = nics;
        this.hostdevs = hostdevs;
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
            io.virtwire.provisioner.state.AllocationRecord recorded = session.record();
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
                    Optional<String> problem = VfCandidates.isolationProblem(inventory, vf);
                    Optional<String> reserved = inventory.reservedFor(vf.address());
                    String state = h.isPresent() ? "held" : reserved.isPresent() ? "reserved" : problem.isPresent() ? "unusable" : "free";
                    rows.add(new VfRow(pf.address(), pf.netdev(), vf.index(), vf.address(), vf.driver(), vf.mac(), vf.vlan(), vf.qos(), vf.trust(),
                            vf.spoofchk(), vf.linkState(), vf.iommuGroup(), h.map(HeldDevices.Held::domain).orElse(null), state,
                            recorded.find(vf.address()).isPresent(), problem.orElse(null), reserved.orElse(null))); // as saved (read-only, dry run: as read)
                }
            }
            return new VfList(rows, r.applied() ? rec.changes() : List.of(),
                    new ReconcileReport(r.applied(), r.applied() ? List.of() : rec.changes()), r.warnings());
        }
    }

    public NicChange attach(LifecycleContext ctx, String domain, AllocationRequest request, DeviceScope requested, boolean printOnly) {
        DeviceStep<NicChange> step = switch (request) {
            case AllocationRequest.Vf vf -> new VfInterfaceStep(nics, vf);
            case AllocationRequest.Vdpa v -> new VdpaStep(nics, v);
            case AllocationRequest.VhostUser u -> new VhostUserStep(nics, u);
        };
        return attach(ctx, domain, step, requested, printOnly);
    }

    /** attach-hostdev --pf: a free VF of {@code pf} passed through as a plain PCI hostdev. */
    public HostdevChange attachHostdev(LifecycleContext ctx, String domain, String pf, DeviceScope requested, boolean printOnly) {
        return attach(ctx, domain, new PciHostdevStep(hostdevs, pf), requested, printOnly);
    }

    /**
     * Runs one {@link DeviceStep} on the {@link AttachTemplate}. The domain's state is checked before the lock (an
     * unknown domain or --live on a stopped one creates no state directory); under the lock the domain is read once,
     * and that one read serves the held-device scan, the scope, and the attach.
     */
    private <R extends DeviceChange<R>> R attach(LifecycleContext ctx, String domain, DeviceStep<R> step, DeviceScope requested,
                                                 boolean printOnly) {
        LibvirtGateway gw = ctx.gateway();
        InterfaceService.effectiveScope(gw.domain(domain), requested);
        // --print-xml (Ansible's check mode) is a dry run: it reconciles only in memory and writes nothing
        try (StateStore.Session session = printOnly ? ctx.store().openDryRun(ctx.lockTimeout()) : ctx.store().open(ctx.lockTimeout())) {
            DomainSnapshot snapshot = DomainSnapshot.read(gw, domain);
            DeviceScope scope = InterfaceService.effectiveScope(snapshot.state(), requested);
            HeldDevices held = HeldDevices.scan(gw, snapshot);
            Reconciled r = reconcileThenRead(ctx, session, held);
            List<String> notes = new ArrayList<>();
            r.result().changes().forEach(c -> notes.add((r.applied() ? "reconciled: " : "would reconcile: ") + c));
            AttachRun run = new AttachRun(ctx, session, snapshot, scope, held, r.inventory(), macs);
            return AttachTemplate.run(run, step.plan(run), notes, printOnly);
        }
    }

    /** Notes that start with this are warnings: the CLI also prints them on stderr. */
    public static final String WARNING = "warning: ";
}
