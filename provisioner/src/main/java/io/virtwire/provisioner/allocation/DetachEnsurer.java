package io.virtwire.provisioner.allocation;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.libvirt.DeviceScope;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import io.virtwire.provisioner.libvirt.xml.DomainXml;
import io.virtwire.provisioner.libvirt.xml.GuestInterface;
import io.virtwire.provisioner.model.MacAddress;
import io.virtwire.provisioner.nic.InterfaceEnsurer;
import io.virtwire.provisioner.nic.InterfaceService;
import io.virtwire.provisioner.nic.InterfaceSummary;
import io.virtwire.provisioner.nic.NicChange;
import io.virtwire.provisioner.nic.NicRequest;
import io.virtwire.provisioner.nic.ScopedDomain;
import io.virtwire.provisioner.state.Allocation;
import io.virtwire.provisioner.state.StateStore;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code detach-interface --ensure}: the NIC the arguments describe is absent afterwards. It is found with the
 * matching rules of {@code attach-interface --ensure}, not a copy of them:
 * <ul>
 *   <li>by MAC (with a TYPE or a device given as well, the NIC with that MAC must be of it: else a conflict);</li>
 *   <li>without a MAC, by type and device ({@link InterfaceEnsurer#macOnSource}), or with {@code --pf} as the one NIC on
 *       a VF of that PF ({@link AllocatedEnsurer#find}); two candidates are a conflict and nothing changes.</li>
 * </ul>
 * Found: detached from each definition of the scope that has it (as detach-interface does it), and the answer carries
 * the whole domain XML before and after; the caller then reconciles the allocation record, which frees the VF and
 * restores its settings, as after a plain detach. Not found: {@code changed: false}. With {@code dryRun} (--print-xml,
 * Ansible's check mode) the same answer is computed and nothing (libvirt, record, host) is changed.
 */
public final class DetachEnsurer {

    /** What names the NIC: the detach-interface arguments after parsing. */
    public sealed interface Target {
        /** --mac, and virsh's TYPE when given. */
        record ByMac(MacAddress mac, Optional<String> type) implements Target {
        }

        /** TYPE and a device you name (--vf, --dev, --source), with or without --mac. */
        record Named(NicRequest request) implements Target {
        }

        /** The forms where virtwire picked the device: --pf (MAC optional), --pool, vdpa/vhostuser without a device (MAC needed). */
        record Allocated(AllocationRequest request) implements Target {
        }
    }

    private final InterfaceService nics;

    public DetachEnsurer(InterfaceService nics) {
        this.nics = nics;
    }

    /** On a libvirt domain. */
    public NicChange ensure(LifecycleContext ctx, String domain, Target target, DeviceScope requested, boolean dryRun) {
        LibvirtGateway gw = ctx.gateway();
        ScopedDomain d = ScopedDomain.read(gw, domain, requested);
        List<Where> looked = new ArrayList<>();
        if (d.scope().config()) {
            looked.add(new Where(d.config(), "persistent definition"));
        }
        if (d.scope().live()) {
            looked.add(new Where(d.live(), "running domain"));
        }
        Optional<GuestInterface> found = find(ctx, domain, target, looked);
        if (found.isEmpty()) {
            return absent(domain, d.scope().toString(), target);
        }
        GuestInterface nic = found.get();
        MacAddress mac = nic.mac().orElseThrow();
        boolean inConfig = d.scope().config() && d.config().findInterface(mac).isPresent();
        boolean inLive = d.scope().live() && d.live().findInterface(mac).isPresent();
        DeviceScope where = new DeviceScope(inConfig, inLive);
        List<String> notes = new ArrayList<>();
        if (d.scope().config() && !inConfig) {
            notes.add("the persistent definition has no interface with MAC " + mac + ": only the running domain changes");
        }
        if (d.scope().live() && !inLive) {
            notes.add("the running domain has no interface with MAC " + mac + ": only the persistent definition changes");
        }
        // a device still referred to by the other definition stays held: the record releases it only when none does
        boolean stillHeld = !inConfig && d.config().findInterface(mac).isPresent() || !inLive && d.live() != null && d.live().findInterface(mac).isPresent();
        if (dryRun) {
            String before = where.config() ? d.configXml() : d.liveXml();
            DomainXml after = InterfaceService.parseDomain(before, "XML of '" + domain + "'");
            after.removeInterface(mac);
            notes.add("would detach it from the " + (inConfig && inLive ? "persistent definition and the running domain"
                    : inConfig ? "persistent definition" : "running domain"));
            if (!stillHeld) {
                wouldRelease(ctx, domain, nic).ifPresent(notes::add);
            }
            return new NicChange("detach", domain, true, where.toString(), InterfaceSummary.of(nic), nic.toXml(), notes,
                    new NicChange.Diff(before, after.toXml()), null, List.of(NicChange.Method.DETACH.json));
        }
        NicChange detached = nics.detach(gw, domain, mac, where);
        notes.addAll(detached.notes());
        NicChange.Method method = detached.notes().contains(InterfaceService.NO_DEVICE_DETACH) ? NicChange.Method.REDEFINE : NicChange.Method.DETACH;
        return new NicChange("detach", domain, true, detached.scope(), detached.iface(), detached.deviceXml(), notes, detached.diff(), null,
                List.of(method.json));
    }

    /** On a domain XML file (edited in memory; the caller writes it with --in-place). */
    public NicChange ensure(DomainXml file, Target target) {
        if (target instanceof Target.Allocated) {
            throw VirtwireException.invalid("--pf, --pool, and vdpa/vhostuser without a device name NICs virtwire allocated on a libvirt domain:"
                    + " with --domain-xml give --mac, or TYPE with --vf, --dev or --source");
        }
        Optional<GuestInterface> found = find(null, file.name(), target, List.of(new Where(file, "file")));
        if (found.isEmpty()) {
            return absent(file.name(), "file", target);
        }
        String before = file.toXml();
        GuestInterface nic = found.get();
        file.removeInterface(nic.mac().orElseThrow());
        return new NicChange("detach", file.name(), true, "file", InterfaceSummary.of(nic), nic.toXml(), List.of(),
                new NicChange.Diff(before, file.toXml()), null, List.of(NicChange.Method.DETACH.json));
    }

    private record Where(DomainXml xml, String label) {
    }

    private static NicChange absent(String domain, String scope, Target target) {
        return new NicChange("detach", domain, false, scope, null, null,
                List.of("no interface " + describe(target) + " in '" + domain + "' (" + scope + "): nothing to do"), null);
    }

    private static String describe(Target target) {
        return switch (target) {
            case Target.ByMac m -> "with MAC " + m.mac() + m.type().map(t -> " of type " + t).orElse("");
            case Target.Named n -> n.request().mac().map(m -> "with MAC " + m).orElseGet(() -> "of type " + n.request().type() + " on "
                    + InterfaceSummary.of(n.request().toInterface(MacAddress.parse("52:54:00:00:00:00"))).source());
            case Target.Allocated a -> a.request().mac().map(m -> "with MAC " + m)
                    .orElseGet(() -> a.request() instanceof AllocationRequest.Vf vf && vf.pf().isPresent() ? "on a VF of PF " + vf.pf().get() : "");
        };
    }

    /** The NIC the target means in these definitions (the first that has it), checked as attach-interface --ensure checks it. */
    private static Optional<GuestInterface> find(LifecycleContext ctx, String domain, Target target, List<Where> looked) {
        switch (target) {
            case Target.ByMac m -> {
                for (Where w : looked) {
                    Optional<GuestInterface> i = w.xml().findInterface(m.mac());
                    if (i.isPresent() && m.type().isPresent() && !m.type().get().equals(i.get().type())) {
                        InterfaceSummary s = InterfaceSummary.of(i.get());
                        throw VirtwireException.conflict("MAC " + m.mac() + " is used by a " + s.type() + " interface (" + s.source() + ") in the "
                                + w.label() + " of '" + domain + "', not a " + m.type().get() + " one: nothing detached (check TYPE and --mac)");
                    }
                }
                return looked.stream().flatMap(w -> w.xml().findInterface(m.mac()).stream()).findFirst();
            }
            case Target.Named n -> {
                NicRequest request = n.request();
                Optional<MacAddress> mac = request.mac().isPresent() ? request.mac()
                        : InterfaceEnsurer.macOnSource(request, looked.stream().map(Where::xml).toList(), domain);
                if (mac.isEmpty()) {
                    return Optional.empty();
                }
                GuestInterface wanted = request.toInterface(mac.get());
                Optional<GuestInterface> first = Optional.empty();
                for (Where w : looked) {
                    Optional<GuestInterface> i = InterfaceEnsurer.sameMac(w.xml(), wanted, w.label(), domain);
                    first = first.or(() -> i);
                }
                return first;
            }
            case Target.Allocated a -> {
                return AllocatedEnsurer.find(ctx, domain, a.request(), looked.stream().map(Where::xml).toList());
            }
        }
    }

    /** What the reconciliation after a real detach would release, read from the record without locking it for writing. */
    private static Optional<String> wouldRelease(LifecycleContext ctx, String domain, GuestInterface nic) {
        if (!Files.exists(ctx.store().recordFile())) {
            return Optional.empty();
        }
        String device = InterfaceSummary.of(nic).source();
        try (StateStore.Session session = ctx.store().openDryRun(ctx.lockTimeout())) {
            Optional<Allocation> held = session.record().find(device).filter(a -> domain.equals(a.domain()));
            return held.map(a -> "would release " + a.kind() + " " + a.device() + " from the allocation record"
                    + (a.previous() != null ? " (the VF's settings restored: mac " + a.previous().mac() + ", vlan " + a.previous().vlan() + ")" : "")
                    + ("vhostuser".equals(a.kind()) ? " (its forwarder port removed)" : ""));
        }
    }
}
