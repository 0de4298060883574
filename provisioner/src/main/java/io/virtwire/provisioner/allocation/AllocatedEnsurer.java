package io.virtwire.provisioner.allocation;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.host.HostInventory;
import io.virtwire.provisioner.host.PhysicalFunction;
import io.virtwire.provisioner.host.VirtualFunction;
import io.virtwire.provisioner.libvirt.DeviceScope;
import io.virtwire.provisioner.libvirt.DomainState;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import io.virtwire.provisioner.libvirt.xml.DomainXml;
import io.virtwire.provisioner.libvirt.xml.GuestInterface;
import io.virtwire.provisioner.libvirt.xml.GuestInterfaces;
import io.virtwire.provisioner.libvirt.xml.HostdevInterface;
import io.virtwire.provisioner.libvirt.xml.VdpaInterface;
import io.virtwire.provisioner.libvirt.xml.VhostUserInterface;
import io.virtwire.provisioner.model.MacAddress;
import io.virtwire.provisioner.model.QueueCount;
import io.virtwire.provisioner.model.VlanSpec;
import io.virtwire.provisioner.nic.InterfaceEnsurer;
import io.virtwire.provisioner.nic.InterfaceService;
import io.virtwire.provisioner.nic.InterfaceSummary;
import io.virtwire.provisioner.nic.NicChange;
import io.virtwire.provisioner.nic.NicRequest;
import io.virtwire.provisioner.state.Allocation;
import io.virtwire.provisioner.state.StateStore;
import io.virtwire.provisioner.state.VfSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code attach-interface --ensure} for the forms where virtwire picks the device ({@code --pf}, {@code --pool},
 * vdpa without {@code --dev}, vhostuser without {@code --source}): the NIC is found by its MAC (with {@code --pf}
 * and no MAC: the one NIC of the domain on a VF of that PF), then
 * <ul>
 *   <li>missing: allocated and attached as a plain attach does ({@link AllocationService#attach});</li>
 *   <li>a MAC on another type, or with {@code --pf} on a VF of another PF: a conflict, nothing changes;</li>
 *   <li>present: the device it has is kept. For a VF, its MAC, VLAN, trust and spoofchk are compared with what the
 *       PF holds and set through the PF where they differ ({@code method: pf}; the record's {@code settings} follow,
 *       so the hook and AER recovery re-apply the new ones); then the NIC itself is converged as a named device
 *       ({@link InterfaceEnsurer}: update-device, or detach/attach of the same device), which covers the VLAN in
 *       libvirt's XML and the queue count of a vDPA or vhost-user NIC.</li>
 * </ul>
 * With {@code dryRun} the same answer is computed and nothing (host, record, libvirt) is changed.
 */
public final class AllocatedEnsurer {

    private final AllocationService allocations;
    private final InterfaceEnsurer named;

    public AllocatedEnsurer(AllocationService allocations, InterfaceEnsurer named) {
        this.allocations = allocations;
        this.named = named;
    }

    public NicChange ensure(LifecycleContext ctx, String domain, AllocationRequest request, DeviceScope requested, boolean dryRun) {
        LibvirtGateway gw = ctx.gateway();
        DomainState state = gw.domain(domain);
        DeviceScope scope = InterfaceService.effectiveScope(state, requested);
        List<DomainXml> looked = new ArrayList<>();
        if (scope.config()) {
            looked.add(InterfaceService.parseDomain(gw.domainXml(domain, true), "persistent definition of '" + domain + "'"));
        }
        if (scope.live()) {
            looked.add(InterfaceService.parseDomain(gw.domainXml(domain, false), "live XML of '" + domain + "'"));
        }
        Optional<GuestInterface> found = find(ctx, domain, request, looked);
        if (found.isEmpty()) {
            NicChange attached = allocations.attach(ctx, domain, request, requested, dryRun);
            // the answer of --ensure, whichever path: action ensure
            attached = new NicChange("ensure", attached.domain(), attached.changed(), attached.scope(), attached.iface(), attached.deviceXml(),
                    attached.notes(), attached.diff(), attached.allocation(), attached.methods());
            if (attached.diff() == null && attached.deviceXml() != null) {
                // the dry run applies nothing: the diff is the domain XML with the NIC a real run would add
                DomainXml before = looked.getFirst();
                String beforeXml = before.toXml();
                before.addInterface(GuestInterfaces.parse(attached.deviceXml()));
                attached = new NicChange(attached.action(), attached.domain(), attached.changed(), attached.scope(), attached.iface(),
                        attached.deviceXml(), attached.notes(), new NicChange.Diff(beforeXml, before.toXml()), attached.allocation(), attached.methods());
            }
            return attached.withSteps(List.of(NicChange.Method.ATTACH), List.of("no NIC " + wantedText(request) + " in '" + domain
                    + "': " + (dryRun ? "would pick" : "picked") + " a device and attach" + (dryRun ? "" : "ed") + " it"));
        }
        GuestInterface nic = found.get();
        MacAddress mac = nic.mac().orElseThrow();
        List<NicChange.Method> steps = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        Allocation entry = null;
        NicRequest wanted;
        boolean fixMemory = false;
        switch (request) {
            case AllocationRequest.Vf vf -> {
                HostdevInterface h = (HostdevInterface) nic;
                entry = convergeVf(ctx, domain, vf, h, mac, dryRun, notes);
                if (!notes.isEmpty()) {
                    steps.add(NicChange.Method.PF);
                }
                wanted = new NicRequest.Hostdev(h.vf(), Optional.of(mac), vf.vlan().map(VlanSpec::access));
            }
            case AllocationRequest.Vdpa v -> wanted = new NicRequest.Vdpa(((VdpaInterface) nic).device(), Optional.of(mac), v.queues());
            case AllocationRequest.VhostUser u -> {
                VhostUserInterface existing = (VhostUserInterface) nic;
                refuseQueueMismatch(ctx, existing.socketPath().toString(), u.queues());
                wanted = new NicRequest.VhostUser(existing.socketPath(), u.mode(), Optional.of(mac), u.queues(),
                        u.mode() == VhostUserInterface.Mode.CLIENT ? Optional.of(NicRequest.DEFAULT_RECONNECT_SECONDS) : Optional.empty());
                fixMemory = u.fixMemory();
            }
        }
        NicChange change = named.ensure(gw, domain, wanted, requested, fixMemory, dryRun);
        if (!steps.isEmpty() && !change.changed()) {
            // only the VF's settings differed: libvirt's view is as asked; the diff is the (unchanged) domain XML
            String xml = gw.domainXml(domain, scope.config());
            change = new NicChange(change.action(), change.domain(), true, change.scope(), change.iface(), change.deviceXml(),
                    change.notes().stream().filter(n -> !n.startsWith("an identical interface")).toList(), new NicChange.Diff(xml, xml),
                    null, change.methods());
        }
        NicChange out = change.withSteps(steps, notes);
        return entry == null ? out : out.withAllocation(entry, List.of());
    }

    /** "with MAC m", or "on a VF of PF p". */
    private static String wantedText(AllocationRequest request) {
        if (request.mac().isPresent()) {
            return "with MAC " + request.mac().get();
        }
        return request instanceof AllocationRequest.Vf vf && vf.pf().isPresent() ? "on a VF of PF " + vf.pf().get() : "";
    }

    /**
     * The NIC this request means, checked against what it asks; empty when the domain has none. The matching rules of
     * both --ensure modes for the forms where virtwire picks the device ({@link DetachEnsurer} uses them too).
     */
    public static Optional<GuestInterface> find(LifecycleContext ctx, String domain, AllocationRequest request, List<DomainXml> looked) {
        String type = switch (request) {
            case AllocationRequest.Vf v -> "hostdev";
            case AllocationRequest.Vdpa v -> "vdpa";
            case AllocationRequest.VhostUser u -> "vhostuser";
        };
        Optional<Set<String>> pfVfs = request instanceof AllocationRequest.Vf vf && vf.pf().isPresent()
                ? Optional.of(vfsOf(ctx.host().inventory(), vf.pf().get())) : Optional.empty();
        Map<MacAddress, GuestInterface> hits = new LinkedHashMap<>();
        if (request.mac().isPresent()) {
            MacAddress mac = request.mac().get();
            for (DomainXml d : looked) {
                d.findInterface(mac).ifPresent(i -> hits.putIfAbsent(mac, i));
            }
        } else if (pfVfs.isPresent()) {
            for (DomainXml d : looked) {
                for (GuestInterface i : d.interfaces()) {
                    if (i instanceof HostdevInterface h && pfVfs.get().contains(h.vf().toString()) && i.mac().isPresent()) {
                        hits.putIfAbsent(i.mac().get(), i);
                    }
                }
            }
            if (hits.size() > 1) {
                throw VirtwireException.conflict("'" + domain + "' has " + hits.size() + " NICs on VFs of PF " + ((AllocationRequest.Vf) request).pf().get()
                        + " (MACs " + hits.keySet().stream().map(MacAddress::toString).collect(Collectors.joining(", ")) + "): give --mac to say which one you mean");
            }
        } else {
            throw VirtwireException.invalid("--ensure where virtwire picks the device needs --mac: the MAC is how a later run finds the NIC"
                    + " it attached (or name the device: SOURCE, --vf, --dev or --source; with --pf the NIC on any VF of the PF is found)");
        }
        if (hits.isEmpty()) {
            return Optional.empty();
        }
        GuestInterface nic = hits.values().iterator().next();
        InterfaceSummary s = InterfaceSummary.of(nic);
        if (!type.equals(s.type())) {
            throw VirtwireException.conflict("MAC " + nic.mac().orElseThrow() + " is already used by a " + s.type() + " interface (" + s.source()
                    + ") in '" + domain + "': pick another --mac, or detach that interface first");
        }
        if (pfVfs.isPresent() && !pfVfs.get().contains(((HostdevInterface) nic).vf().toString())) {
            throw VirtwireException.conflict("MAC " + nic.mac().orElseThrow() + " is on " + s.source() + ", which is not a VF of PF "
                    + ((AllocationRequest.Vf) request).pf().get() + ", in '" + domain + "': pick another --mac, or detach that interface first");
        }
        return Optional.of(nic);
    }

    private static Set<String> vfsOf(HostInventory inventory, String pf) {
        PhysicalFunction p = inventory.pf(pf).orElseThrow(() -> VirtwireException.notFound("unknown PF '" + pf + "': this host's PFs are "
                + inventory.pfs().stream().map(x -> x.address() + (x.netdev() == null ? "" : " (" + x.netdev() + ")")).collect(Collectors.joining(", "))));
        return p.vfs().stream().map(VirtualFunction::address).collect(Collectors.toSet());
    }

    /**
     * Sets the VF's MAC, VLAN, trust and spoofchk through its PF where they differ from the request (unset trust or
     * spoofchk: left as they are), and the record's settings with them. Notes say what was (or would be) set.
     *
     * @return the record entry (as updated), or null when virtwire has none for this VF
     */
    private static Allocation convergeVf(LifecycleContext ctx, String domain, AllocationRequest.Vf req, HostdevInterface nic, MacAddress mac,
                                         boolean dryRun, List<String> notes) {
        String address = nic.vf().toString();
        HostInventory inventory = ctx.host().inventory();
        PhysicalFunction pf = inventory.pfs().stream().filter(p -> p.vfs().stream().anyMatch(v -> v.address().equals(address))).findFirst()
                .orElseThrow(() -> new VirtwireException(VirtwireException.Kind.HOST, "VF " + address + " of '" + domain
                        + "' is not a VF of any PF on this host: its settings cannot be checked (is --host-root right?)"));
        VirtualFunction vf = pf.vfs().stream().filter(v -> v.address().equals(address)).findFirst().orElseThrow();
        VfSettings current = VfSettings.of(vf);
        VfSettings wanted = new VfSettings(mac.toString(), req.vlan().orElse(0), req.trust().orElse(current.trust()),
                req.spoofchk().orElse(current.spoofchk()));
        List<String> drift = drift(current, wanted);
        try (StateStore.Session session = dryRun ? ctx.store().openDryRun(ctx.lockTimeout()) : ctx.store().open(ctx.lockTimeout())) {
            Optional<Allocation> recorded = session.record().find(address).filter(a -> domain.equals(a.domain()));
            if (drift.isEmpty()) {
                return recorded.orElse(null);
            }
            if (pf.netdev() == null) {
                throw new VirtwireException(VirtwireException.Kind.HOST, "PF " + pf.address() + " has no netdev (driver " + pf.driver()
                        + "): VF settings are set through the PF's kernel driver; bind it to its kernel driver");
            }
            String where = "VF " + vf.index() + " (" + address + ") of " + pf.netdev();
            if (dryRun) {
                notes.add("drift on " + where + ": " + String.join(", ", drift) + "; would set it through the PF");
                return recorded.orElse(null);
            }
            notes.add("drift on " + where + ": " + String.join(", ", drift) + "; set through the PF");
            VfSettingsWriter.apply(ctx.host().actions(), pf.netdev(), vf.index(), current, wanted).forEach(c -> notes.add("host: " + c));
            if (recorded.isEmpty()) {
                notes.add("the allocation record has no entry for " + address + " held by '" + domain + "': the new settings are not"
                        + " re-applied after a PF reset (attach it with --pf or --pool to have virtwire keep them)");
                return null;
            }
            Allocation a = recorded.get();
            Allocation updated = new Allocation(a.kind(), a.device(), a.domain(), a.state(), a.pf(), a.pfNetdev(), a.vfIndex(), wanted, a.previous(),
                    mac.toString(), a.pid(), a.container());
            session.save(session.record().with(updated));
            return updated;
        }
    }

    /** "what: found -> wanted" for each setting that differs (trust/spoofchk the driver does not report: not compared). */
    static List<String> drift(VfSettings current, VfSettings wanted) {
        List<String> out = new ArrayList<>();
        if (!wanted.mac().equalsIgnoreCase(current.mac())) {
            out.add("mac: " + current.mac() + " -> " + wanted.mac());
        }
        if (wanted.vlan() != current.vlan()) {
            out.add("vlan: " + current.vlan() + " -> " + wanted.vlan());
        }
        if (wanted.trust() != null && !Objects.equals(wanted.trust(), current.trust())) {
            out.add("trust: " + onOff(current.trust()) + " -> " + onOff(wanted.trust()));
        }
        if (wanted.spoofchk() != null && !Objects.equals(wanted.spoofchk(), current.spoofchk())) {
            out.add("spoofchk: " + onOff(current.spoofchk()) + " -> " + onOff(wanted.spoofchk()));
        }
        return out;
    }

    private static String onOff(Boolean b) {
        return b == null ? "unknown" : b ? "on" : "off";
    }

    /** A vhost-user socket the forwarder serves keeps its queue count: another one is refused before libvirt is asked. */
    private static void refuseQueueMismatch(LifecycleContext ctx, String socket, Optional<QueueCount> queues) {
        try {
            ctx.forwarder().refuseQueueMismatch(socket, queues.map(QueueCount::value).orElse(1));
        } catch (VirtwireException e) {
            if (e.kind() != VirtwireException.Kind.UNAVAILABLE) {
                throw e;
            }
        }
    }
}
