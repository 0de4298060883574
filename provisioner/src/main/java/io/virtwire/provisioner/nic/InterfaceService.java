package io.virtwire.provisioner.nic;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.libvirt.DeviceScope;
import io.virtwire.provisioner.libvirt.DomainSnapshot;
import io.virtwire.provisioner.libvirt.DomainState;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import io.virtwire.provisioner.libvirt.LibvirtUnsupportedException;
import io.virtwire.provisioner.libvirt.xml.DomainXml;
import io.virtwire.provisioner.libvirt.xml.GuestInterface;
import io.virtwire.provisioner.libvirt.xml.InterfaceMatcher;
import io.virtwire.provisioner.model.MacAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Attaches, detaches and lists NICs, on a libvirt domain or on a domain XML file.
 *
 * <p>Every check runs before the first change. Attaching an interface that is already there (same MAC, type
 * and source) changes nothing and says so, which makes the command safe to repeat. Where the driver has no
 * device hotplug (libvirt's test driver), persistent changes are made the way virt-xml makes them: read the
 * inactive XML, edit it, define it again.
 */
public final class InterfaceService {

    /** The note of a detach on a driver without device detach (test:///): the definition was redefined instead. */
    public static final String NO_DEVICE_DETACH = "the libvirt driver has no device detach: edited and redefined the persistent definition";

    private final MacGenerator macs = new MacGenerator();

    // ------------------------------------------------------------------------------------------ libvirt

    public NicChange attach(LibvirtGateway gw, String domainName, NicRequest request, DeviceScope requested, boolean fixMemory, boolean printOnly) {
        return attach(gw, DomainSnapshot.read(gw, domainName), request, requested, fixMemory, printOnly);
    }

    /** As above on the domain as the caller already read it (an allocation reads it once, under its lock). */
    public NicChange attach(LibvirtGateway gw, DomainSnapshot domain, NicRequest request, DeviceScope requested, boolean fixMemory,
                            boolean printOnly) {
        String domainName = domain.name();
        DomainState state = domain.state();
        DeviceScope scope = effectiveScope(state, requested);
        String configBefore = domain.configXml();
        DomainXml config = parseDomain(configBefore, "persistent definition of '" + domainName + "'");
        DomainXml live = state.active() ? parseDomain(domain.liveXml(), "live XML of '" + domainName + "'") : null;

        Set<MacAddress> taken = new HashSet<>(macsOf(config));
        if (live != null) {
            taken.addAll(macsOf(live));
        }
        MacAddress mac = request.mac().orElseGet(() -> macs.next(taken));
        GuestInterface iface = request.toInterface(mac);

        boolean inConfig = !scope.config() || present(config, iface, "persistent definition", domainName);
        boolean inLive = !scope.live() || present(live, iface, "running domain", domainName);
        if (inConfig && inLive) {
            return new NicChange("attach", domainName, false, scope.toString(), InterfaceSummary.of(iface), iface.toXml(),
                    List.of("an identical interface with MAC " + mac + " is already attached: nothing to do"), null);
        }

        List<String> notes = new ArrayList<>();
        boolean memoryFix = false;
        if (request.type() == NicType.vhostuser) {
            if (scope.live() && !live.hasSharedMemory()) {
                throw VirtwireException.conflict("domain '" + domainName + "' runs without shared memory, which vhost-user needs"
                        + " (the backend maps guest RAM): add it with 'virtwire attach-interface ... --config --fix-memory',"
                        + " restart the domain, then attach live");
            }
            if (scope.config() && !config.hasSharedMemory()) {
                if (!fixMemory) {
                    throw VirtwireException.conflict(noSharedMemory(domainName));
                }
                memoryFix = true;
            }
        }
        if (printOnly) {
            return new NicChange("attach", domainName, false, scope.toString(), InterfaceSummary.of(iface), iface.toXml(),
                    memoryFix ? List.of("would add memfd shared memory to the persistent definition (--fix-memory)") : List.of(), null);
        }

        if (memoryFix) {
            config.ensureSharedMemory();
            gw.defineDomain(config.toXml());
            notes.add("added memfd shared memory (<memoryBacking><source type='memfd'/><access mode='shared'/>) to the persistent definition"
                    + (state.active() ? "; restart the domain for it to take effect" : ""));
        }
        try {
            try {
                gw.attachDevice(domainName, iface.toXml(), scope);
            } catch (LibvirtUnsupportedException e) {
                if (scope.live()) {
                    throw new VirtwireException(VirtwireException.Kind.LIBVIRT, "the libvirt driver at " + gw.uri()
                            + " cannot attach devices to a running domain: " + e.getMessage() + "; use --config to change the persistent definition", e);
                }
                DomainXml fresh = parseDomain(gw.domainXml(domainName, true), "persistent definition of '" + domainName + "'");
                fresh.addInterface(iface);
                gw.defineDomain(fresh.toXml());
                notes.add("the libvirt driver has no device attach: edited and redefined the persistent definition");
            }
        } catch (RuntimeException e) {
            if (memoryFix) {
                gw.defineDomain(configBefore);
                notes.clear();
            }
            throw e;
        }
        boolean diffConfig = scope.config();
        String before = diffConfig ? configBefore : live.toXml();
        String after = gw.domainXml(domainName, diffConfig);
        return new NicChange("attach", domainName, true, scope.toString(), InterfaceSummary.of(iface), iface.toXml(), notes,
                new NicChange.Diff(before, after));
    }

    public NicChange detach(LibvirtGateway gw, String domainName, MacAddress mac, DeviceScope requested) {
        return detach(gw, domainName, mac, requested, Optional.empty());
    }

    /** As virsh detach-interface DOMAIN TYPE --mac M: with a type, only an interface of that type and MAC is detached. */
    public NicChange detach(LibvirtGateway gw, String domainName, MacAddress mac, DeviceScope requested, Optional<String> type) {
        DomainState state = gw.domain(domainName);
        DeviceScope scope = effectiveScope(state, requested);
        String configBefore = gw.domainXml(domainName, true);
        DomainXml config = parseDomain(configBefore, "persistent definition of '" + domainName + "'");
        DomainXml live = state.active() ? parseDomain(gw.domainXml(domainName, false), "live XML of '" + domainName + "'") : null;

        Optional<GuestInterface> inConfig = scope.config() ? config.findInterface(mac) : Optional.empty();
        Optional<GuestInterface> inLive = scope.live() ? live.findInterface(mac) : Optional.empty();
        if (scope.config() && inConfig.isEmpty() || scope.live() && inLive.isEmpty()) {
            throw VirtwireException.notFound("domain '" + domainName + "' has no interface with MAC " + mac + " in its "
                    + (scope.config() && inConfig.isEmpty() ? "persistent definition" : "running configuration")
                    + " (see 'virtwire domiflist " + domainName + "')");
        }
        GuestInterface iface = inLive.or(() -> inConfig).orElseThrow();
        requireType(iface, type, domainName, mac);
        inConfig.ifPresent(i -> requireType(i, type, domainName, mac));
        List<String> notes = new ArrayList<>();
        try {
            gw.detachDevice(domainName, iface.toXml(), scope);
        } catch (LibvirtUnsupportedException e) {
            if (scope.live()) {
                throw new VirtwireException(VirtwireException.Kind.LIBVIRT, "the libvirt driver at " + gw.uri()
                        + " cannot detach devices from a running domain: " + e.getMessage() + "; use --config to change the persistent definition", e);
            }
            config.removeInterface(mac);
            gw.defineDomain(config.toXml());
            notes.add(NO_DEVICE_DETACH);
        }
        if (scope.live()) {
            notes.add("live detach is asynchronous in the guest: libvirt removes the device once the guest OS releases it");
        }
        String before = scope.config() ? configBefore : live.toXml();
        String after = gw.domainXml(domainName, scope.config());
        return new NicChange("detach", domainName, true, scope.toString(), InterfaceSummary.of(iface), iface.toXml(), notes,
                new NicChange.Diff(before, after));
    }

    public InterfaceList list(LibvirtGateway gw, String domainName, boolean inactive) {
        DomainState state = gw.domain(domainName);
        boolean fromConfig = inactive || !state.active();
        DomainXml xml = parseDomain(gw.domainXml(domainName, fromConfig), "XML of '" + domainName + "'");
        return new InterfaceList(domainName, state.active(), fromConfig ? "config" : "live", summaries(xml));
    }

    // ------------------------------------------------------------------------------------------ offline (file)

    /** Edits {@code domain} in place; the XML may be meant for another host, so nothing is checked against this one. */
    public NicChange attach(DomainXml domain, NicRequest request, boolean fixMemory) {
        String before = domain.toXml();
        MacAddress mac = request.mac().orElseGet(() -> macs.next(new HashSet<>(macsOf(domain))));
        GuestInterface iface = request.toInterface(mac);
        if (present(domain, iface, "domain XML", domain.name())) {
            return new NicChange("attach", domain.name(), false, "file", InterfaceSummary.of(iface), iface.toXml(),
                    List.of("an identical interface with MAC " + mac + " is already in the file: nothing to do"), null);
        }
        List<String> notes = new ArrayList<>();
        if (request.type() == NicType.vhostuser && !domain.hasSharedMemory()) {
            if (!fixMemory) {
                throw VirtwireException.conflict(noSharedMemory(domain.name()));
            }
            domain.ensureSharedMemory();
            notes.add("added memfd shared memory (<memoryBacking><source type='memfd'/><access mode='shared'/>)");
        }
        domain.addInterface(iface);
        return new NicChange("attach", domain.name(), true, "file", InterfaceSummary.of(iface), iface.toXml(), notes,
                new NicChange.Diff(before, domain.toXml()));
    }

    public NicChange detach(DomainXml domain, MacAddress mac) {
        return detach(domain, mac, Optional.empty());
    }

    public NicChange detach(DomainXml domain, MacAddress mac, Optional<String> type) {
        domain.findInterface(mac).ifPresent(i -> requireType(i, type, domain.name(), mac));
        String before = domain.toXml();
        GuestInterface removed = domain.removeInterface(mac).orElseThrow(() -> VirtwireException.notFound(
                "domain '" + domain.name() + "' has no interface with MAC " + mac));
        return new NicChange("detach", domain.name(), true, "file", InterfaceSummary.of(removed), removed.toXml(), List.of(),
                new NicChange.Diff(before, domain.toXml()));
    }

    /** virsh's rule: the interface with that MAC must also be of the TYPE given, else nothing is detached. */
    private static void requireType(GuestInterface iface, Optional<String> type, String domainName, MacAddress mac) {
        if (type.isPresent() && !type.get().equals(iface.type())) {
            throw VirtwireException.notFound("domain '" + domainName + "' has no " + type.get() + " interface with MAC " + mac
                    + ": the interface with that MAC is of type " + iface.type() + " (see 'virtwire domiflist " + domainName + "')");
        }
    }

    public InterfaceList list(DomainXml domain) {
        return new InterfaceList(domain.name(), false, "file", summaries(domain));
    }

    // ------------------------------------------------------------------------------------------ shared rules

    /** The concrete scope for the domain's state; refuses --live on a stopped domain and --config on a transient one. */
    public static DeviceScope effectiveScope(DomainState state, DeviceScope requested) {
        DeviceScope scope = requested.resolve(state.active());
        if (scope.live() && !state.active()) {
            throw VirtwireException.conflict("domain '" + state.name() + "' is not running: --live needs a running domain"
                    + " (use --config to change its persistent definition)");
        }
        if (scope.config() && !state.persistent()) {
            throw VirtwireException.conflict("domain '" + state.name() + "' is transient (no persistent definition): --config"
                    + " cannot apply; use --live");
        }
        return scope;
    }

    /**
     * Whether an interface identical to {@code iface} is present; a different interface with the same MAC is a
     * conflict, since two NICs with one MAC confuse the guest, the switch and detach.
     */
    private static boolean present(DomainXml domain, GuestInterface iface, String where, String domainName) {
        Optional<GuestInterface> sameMac = domain.findInterface(iface.mac().orElseThrow());
        if (sameMac.isEmpty()) {
            return false;
        }
        if (InterfaceMatcher.like(iface).matches(sameMac.get())) {
            return true;
        }
        throw VirtwireException.conflict("MAC " + iface.mac().orElseThrow() + " is already used by a " + sameMac.get().type()
                + " interface in the " + where + " of '" + domainName + "': pick another --mac, or detach that interface first");
    }

    private static String noSharedMemory(String domainName) {
        return "domain '" + domainName + "' has no shared memory, which vhost-user needs (the backend maps guest RAM):"
                + " add --fix-memory to add <memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>,"
                + " or define the domain from the vhostuser-memfd / vhostuser-hugepages template";
    }

    private static List<MacAddress> macsOf(DomainXml domain) {
        return domain.interfaces().stream().flatMap(i -> i.mac().stream()).toList();
    }

    /** domiflist's rows, read without JAXB where the DOM reader can (start-up: docs/benchmarks.md). */
    private static List<InterfaceSummary> summaries(DomainXml domain) {
        return InterfaceRows.of(domain);
    }

    public static DomainXml parseDomain(String xml, String what) {
        try {
            return DomainXml.parse(xml);
        } catch (IllegalArgumentException e) {
            throw VirtwireException.invalid(what + " is not a libvirt domain XML: " + e.getMessage());
        }
    }

    /** domiflist's JSON shape. */
    public record InterfaceList(String domain, boolean active, String source, List<InterfaceSummary> interfaces) {
    }
}
