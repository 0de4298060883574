package io.virtwire.provisioner.nic;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.libvirt.DeviceScope;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import io.virtwire.provisioner.libvirt.LibvirtUnsupportedException;
import io.virtwire.provisioner.libvirt.xml.DomainXml;
import io.virtwire.provisioner.libvirt.xml.GuestInterface;
import io.virtwire.provisioner.libvirt.xml.HostdevInterface;
import io.virtwire.provisioner.libvirt.xml.InterfaceMatcher;
import io.virtwire.provisioner.model.MacAddress;
import io.virtwire.provisioner.model.VlanSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * {@code attach-interface --ensure}: one call that makes a named NIC (a VF, vDPA device or socket you name) present
 * exactly as asked, and owns the matching rules the Ansible module used to carry:
 * <ul>
 *   <li>the NIC is found by MAC, or without --mac by type and source (two on one source: refused, give --mac);</li>
 *   <li>a MAC on another type or source is a conflict (exit 4), nothing changes;</li>
 *   <li>missing: attached; identical (ignoring what libvirt adds: target, alias, guest address): nothing to do;</li>
 *   <li>present with another VLAN, queue count, socket mode or model: converged. The persistent definition
 *       through libvirt's update-device (the NIC's definition replaced, its guest PCI address kept), or, on a driver
 *       without it, edited and redefined; the running domain through update-device where libvirt can change the
 *       plugged NIC ({@link LiveUpdateRules}: never for these drift kinds), else a detach and an attach of the same
 *       device.</li>
 * </ul>
 * How is in {@code methods} / {@code method} ({@link NicChange.Method}).
 * The answer is a {@link NicChange} with {@code changed}, the drift in {@code notes} ({@code vlan: 7 -> 8}) and the
 * whole domain XML before and after in {@code diff}; with {@code dryRun} (--print-xml, Ansible's check mode) the same
 * answer is computed and nothing is applied.
 */
public final class InterfaceEnsurer {

    private final MacGenerator macs = new MacGenerator();

    /** On a libvirt domain. */
    public NicChange ensure(LibvirtGateway gw, String domainName, NicRequest request, DeviceScope requested, boolean fixMemory, boolean dryRun) {
        ScopedDomain d = ScopedDomain.read(gw, domainName, requested);

        List<DomainXml> looked = new ArrayList<>();
        if (d.scope().config()) {
            looked.add(d.config());
        }
        if (d.scope().live()) {
            looked.add(d.live());
        }
        MacAddress mac = macFor(request, looked, domainName, d.config(), d.live());
        GuestInterface wanted = request.toInterface(mac);
        List<String> notes = new ArrayList<>();

        Plan configPlan = d.scope().config() ? plan(d.config(), wanted, "persistent definition", domainName) : Plan.NONE;
        Plan livePlan = d.scope().live() ? plan(d.live(), wanted, "running domain", domainName) : Plan.NONE;
        boolean memoryFix = false;
        if (request.type() == NicType.vhostuser && configPlan != Plan.NONE && !d.config().hasSharedMemory()) {
            if (!fixMemory) {
                throw VirtwireException.conflict("domain '" + domainName + "' has no shared memory, which vhost-user needs: add --fix-memory,"
                        + " or define the domain from the vhostuser-memfd / vhostuser-hugepages template");
            }
            memoryFix = true;
        }
        describe(configPlan, "persistent definition", notes);
        describe(livePlan, "running domain", notes);
        boolean changed = configPlan != Plan.NONE || livePlan != Plan.NONE || memoryFix;
        if (!changed) {
            notes.add("an identical interface with MAC " + mac + " is already attached: nothing to do");
            return new NicChange("ensure", domainName, false, d.scope().toString(), InterfaceSummary.of(wanted), wanted.toXml(), notes, null);
        }
        boolean diffConfig = d.scope().config();
        String before = diffConfig ? d.configXml() : d.liveXml();
        DomainXml edited = InterfaceService.parseDomain(d.configXml(), "persistent definition of '" + domainName + "'");
        if (memoryFix) {
            edited.ensureSharedMemory();
            notes.add((dryRun ? "would add" : "added") + " memfd shared memory (<memoryBacking><source type='memfd'/><access mode='shared'/>)"
                    + " to the persistent definition (--fix-memory)" + (d.state().active() ? "; restart the domain for it to take effect" : ""));
        }
        if (configPlan != Plan.NONE) {
            replace(edited, configPlan, wanted);
        }
        List<NicChange.Method> methods = new ArrayList<>();
        if (dryRun) {
            String after;
            if (diffConfig) {
                after = edited.toXml();
            } else {
                DomainXml liveEdited = InterfaceService.parseDomain(d.liveXml(), "live XML of '" + domainName + "'");
                replace(liveEdited, livePlan, wanted);
                after = liveEdited.toXml();
            }
            methods.addAll(liveMethod(livePlan));
            methods.addAll(configMethod(configPlan, memoryFix));
            notes.add("would converge by " + String.join(", then ", methods.stream().map(m -> m.json).toList())
                    + (methods.contains(NicChange.Method.UPDATE_DEVICE) ? " (a driver without update-device gets the definition redefined)" : ""));
            return new NicChange("ensure", domainName, true, d.scope().toString(), InterfaceSummary.of(wanted), wanted.toXml(), notes,
                    new NicChange.Diff(before, after), null, methods.stream().map(m -> m.json).toList());
        }
        if (livePlan != Plan.NONE) {
            methods.add(applyLive(gw, domainName, livePlan, wanted, notes));
        }
        if (configPlan != Plan.NONE || memoryFix) {
            methods.add(applyConfig(gw, domainName, configPlan, memoryFix, wanted, edited, notes));
        }
        String after = gw.domainXml(domainName, diffConfig);
        return new NicChange("ensure", domainName, true, d.scope().toString(), InterfaceSummary.of(wanted), wanted.toXml(), notes,
                new NicChange.Diff(before, after), null, methods.stream().map(m -> m.json).toList());
    }

    /** What {@link #applyLive} will do, for the dry run. */
    private static List<NicChange.Method> liveMethod(Plan p) {
        if (p == Plan.NONE) {
            return List.of();
        }
        if (p.existing() == null) {
            return List.of(NicChange.Method.ATTACH);
        }
        return List.of(LiveUpdateRules.canUpdateLive(p.existing(), p.drift()) ? NicChange.Method.UPDATE_DEVICE : NicChange.Method.REATTACH);
    }

    private static List<NicChange.Method> configMethod(Plan p, boolean memoryFix) {
        if (memoryFix) {
            return List.of(NicChange.Method.REDEFINE);
        }
        if (p == Plan.NONE) {
            return List.of();
        }
        return List.of(p.existing() == null ? NicChange.Method.ATTACH : NicChange.Method.UPDATE_DEVICE);
    }

    /**
     * The running domain: update-device where libvirt can change the plugged NIC ({@link LiveUpdateRules}), else
     * unplug the old NIC and plug the same device anew.
     */
    private static NicChange.Method applyLive(LibvirtGateway gw, String domainName, Plan p, GuestInterface wanted, List<String> notes) {
        if (p.existing() == null) {
            gw.attachDevice(domainName, wanted.toXml(), DeviceScope.LIVE);
            return NicChange.Method.ATTACH;
        }
        if (LiveUpdateRules.canUpdateLive(p.existing(), p.drift())) {
            gw.updateDevice(domainName, wanted.toXml(), DeviceScope.LIVE);
            notes.add("running domain: changed in place (update-device)");
            return NicChange.Method.UPDATE_DEVICE;
        }
        gw.detachDevice(domainName, p.existing().toXml(), DeviceScope.LIVE);
        gw.attachDevice(domainName, wanted.toXml(), DeviceScope.LIVE);
        notes.add("running domain: detached and attached the same " + InterfaceSummary.of(wanted).type() + " device ("
                + InterfaceSummary.of(wanted).source() + "): libvirt cannot change " + String.join(", ", p.drift().stream().map(LiveUpdateRules::kind).toList())
                + " on a plugged " + InterfaceSummary.of(wanted).type() + " NIC");
        return NicChange.Method.REATTACH;
    }

    /**
     * The persistent definition: a drifted NIC through update-device (libvirt replaces its definition, keeping its
     * guest address); a driver without it (test:///) or a memory fix gets the edited definition redefined; a
     * missing NIC is added to the definition, which is redefined.
     */
    private static NicChange.Method applyConfig(LibvirtGateway gw, String domainName, Plan p, boolean memoryFix, GuestInterface wanted,
                                                DomainXml edited, List<String> notes) {
        if (!memoryFix && p.existing() != null) {
            try {
                gw.updateDevice(domainName, wanted.toXml(), DeviceScope.CONFIG);
                notes.add("persistent definition: changed in place (update-device --config)");
                return NicChange.Method.UPDATE_DEVICE;
            } catch (LibvirtUnsupportedException e) {
                notes.add("persistent definition: " + gw.uri() + " has no update-device, redefined the edited definition instead");
            }
        }
        gw.defineDomain(edited.toXml());
        return memoryFix || p.existing() != null ? NicChange.Method.REDEFINE : NicChange.Method.ATTACH;
    }

    /** On a domain XML file (edited in memory; the caller writes it with --in-place). */
    public NicChange ensure(DomainXml file, NicRequest request, boolean fixMemory) {
        String before = file.toXml();
        MacAddress mac = macFor(request, List.of(file), file.name(), file, null);
        GuestInterface wanted = request.toInterface(mac);
        Plan p = plan(file, wanted, "file", file.name());
        List<String> notes = new ArrayList<>();
        boolean memoryFix = request.type() == NicType.vhostuser && p != Plan.NONE && !file.hasSharedMemory();
        if (memoryFix && !fixMemory) {
            throw VirtwireException.conflict("domain '" + file.name() + "' has no shared memory, which vhost-user needs: add --fix-memory");
        }
        describe(p, "file", notes);
        if (p == Plan.NONE) {
            notes.add("an identical interface with MAC " + mac + " is already in the file: nothing to do");
            return new NicChange("ensure", file.name(), false, "file", InterfaceSummary.of(wanted), wanted.toXml(), notes, null);
        }
        if (memoryFix) {
            file.ensureSharedMemory();
            notes.add("added memfd shared memory (<memoryBacking><source type='memfd'/><access mode='shared'/>) to the file (--fix-memory)");
        }
        replace(file, p, wanted);
        NicChange.Method m = p.existing() == null ? NicChange.Method.ATTACH : NicChange.Method.FILE;
        return new NicChange("ensure", file.name(), true, "file", InterfaceSummary.of(wanted), wanted.toXml(), notes,
                new NicChange.Diff(before, file.toXml()), null, List.of(m.json));
    }

    /**
     * What one definition needs: nothing ({@link #NONE}), an attach ({@code existing} null), or a replacement of
     * {@code existing} because of {@code drift}.
     */
    record Plan(GuestInterface existing, List<String> drift) {
        static final Plan NONE = new Plan(null, List.of());
        static final Plan ATTACH = new Plan(null, List.of("missing"));
    }

    private static Plan plan(DomainXml domain, GuestInterface wanted, String where, String domainName) {
        Optional<GuestInterface> found = sameMac(domain, wanted, where, domainName);
        if (found.isEmpty()) {
            return Plan.ATTACH;
        }
        GuestInterface existing = found.get();
        List<String> drift = drift(existing, wanted);
        return drift.isEmpty() ? Plan.NONE : new Plan(existing, drift);
    }

    /**
     * The NIC with {@code wanted}'s MAC in {@code domain}; empty when there is none. One with that MAC on another type
     * or source is a conflict: the MAC is how a NIC is found, so it cannot mean two devices (attach and detach
     * --ensure share this rule).
     */
    public static Optional<GuestInterface> sameMac(DomainXml domain, GuestInterface wanted, String where, String domainName) {
        MacAddress mac = wanted.mac().orElseThrow();
        Optional<GuestInterface> found = domain.findInterface(mac);
        if (found.isPresent() && !InterfaceMatcher.like(wanted).matches(found.get())) {
            InterfaceSummary s = InterfaceSummary.of(found.get());
            throw VirtwireException.conflict("MAC " + mac + " is already used by a " + s.type() + " interface (" + s.source() + ") in the "
                    + where + " of '" + domainName + "': pick another --mac, or detach that interface first");
        }
        return found;
    }

    /** The settings a NIC of the same type, source and MAC can differ in, as "what: found -> wanted". */
    static List<String> drift(GuestInterface existing, GuestInterface wanted) {
        List<String> out = new ArrayList<>();
        InterfaceSummary e = InterfaceSummary.of(existing);
        InterfaceSummary w = InterfaceSummary.of(wanted);
        if (existing instanceof HostdevInterface he && wanted instanceof HostdevInterface hw && !he.vlan().equals(hw.vlan())) {
            out.add("vlan: " + vlanText(he.vlan()) + " -> " + vlanText(hw.vlan()));
        }
        if (!Objects.equals(e.queues(), w.queues())) {
            out.add("queues: " + orNone(e.queues()) + " -> " + orNone(w.queues()));
        }
        if (!Objects.equals(e.mode(), w.mode())) {
            out.add("mode: " + orNone(e.mode()) + " -> " + orNone(w.mode()));
        }
        if (w.model() != null && !w.model().equals(e.model())) {
            out.add("model: " + orNone(e.model()) + " -> " + w.model());
        }
        return out;
    }

    private static String vlanText(Optional<VlanSpec> v) {
        return v.map(s -> (s.trunk() ? "trunk " : "") + String.join(",", s.tags().stream().map(String::valueOf).toList())).orElse("none");
    }

    private static String orNone(Object o) {
        return o == null ? "none" : String.valueOf(o);
    }

    private static void describe(Plan p, String where, List<String> notes) {
        if (p == Plan.ATTACH) {
            notes.add("missing from the " + where + ": attach");
        } else if (p != Plan.NONE) {
            notes.add("drift in the " + where + ": " + String.join(", ", p.drift()) + "; converge");
        }
    }

    /** Puts {@code wanted} where the drifted interface was (keeping its guest PCI address), or appends it. */
    private static void replace(DomainXml domain, Plan p, GuestInterface wanted) {
        if (p.existing() != null) {
            keepGuestAddress(p.existing(), wanted);
            domain.removeInterface(wanted.mac().orElseThrow());
        }
        domain.addInterface(wanted);
    }

    private static void keepGuestAddress(GuestInterface existing, GuestInterface wanted) {
        if (existing instanceof io.virtwire.provisioner.libvirt.xml.TypedInterface e && wanted instanceof io.virtwire.provisioner.libvirt.xml.TypedInterface w) {
            e.guestAddress().filter(a -> "pci".equals(a.type)).map(io.virtwire.provisioner.libvirt.xml.AddressXml::toPci)
                    .ifPresent(w::setGuestPciAddress);
        }
    }

    /** --mac, else the MAC of the NIC of this type on this source, else a free one. */
    private MacAddress macFor(NicRequest request, List<DomainXml> looked, String domainName, DomainXml config, DomainXml live) {
        if (request.mac().isPresent()) {
            return request.mac().get();
        }
        Optional<MacAddress> onSource = macOnSource(request, looked, domainName);
        if (onSource.isPresent()) {
            return onSource.get();
        }
        Set<MacAddress> taken = new HashSet<>();
        config.interfaces().forEach(i -> i.mac().ifPresent(taken::add));
        if (live != null) {
            live.interfaces().forEach(i -> i.mac().ifPresent(taken::add));
        }
        return macs.next(taken);
    }

    /**
     * Without --mac: the MAC of the one NIC of the request's type on its source (VF, vDPA device or socket) in these
     * definitions; empty when there is none. Two on one source: a conflict, the user must say which (--mac).
     */
    public static Optional<MacAddress> macOnSource(NicRequest request, List<DomainXml> looked, String domainName) {
        Set<MacAddress> found = new java.util.LinkedHashSet<>();
        for (DomainXml d : looked) {
            for (GuestInterface i : d.interfaces()) {
                if (i.mac().isPresent() && InterfaceMatcher.like(request.toInterface(i.mac().get())).matches(i)) {
                    found.add(i.mac().get());
                }
            }
        }
        if (found.size() > 1) {
            throw VirtwireException.conflict("'" + domainName + "' has " + found.size() + " " + request.type() + " interfaces on "
                    + InterfaceSummary.of(request.toInterface(found.iterator().next())).source() + ": give --mac to say which one you mean");
        }
        return found.stream().findFirst();
    }
}
