package io.virtwire.provisioner.allocation;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.libvirt.DomainSnapshot;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import io.virtwire.provisioner.libvirt.xml.DomainXml;
import io.virtwire.provisioner.libvirt.xml.GuestInterface;
import io.virtwire.provisioner.libvirt.xml.HostdevInterface;
import io.virtwire.provisioner.libvirt.xml.PciHostdev;
import io.virtwire.provisioner.libvirt.xml.VdpaInterface;
import io.virtwire.provisioner.libvirt.xml.VhostUserInterface;
import io.virtwire.provisioner.model.MacAddress;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * libvirt's truth: which domain holds which device, read from every domain's persistent and live XML (a VF in
 * a stopped domain's definition is taken: starting it would fail if we gave the VF away). Also every guest MAC on
 * the connection, so generated MACs are unique.
 */
public final class HeldDevices {

    /** A device a domain's XML refers to. */
    public record Held(String kind, String device, String domain, String mac) {
    }

    private final Map<String, Held> byDevice;
    private final Set<MacAddress> macs;

    public HeldDevices(Map<String, Held> byDevice, Set<MacAddress> macs) {
        this.byDevice = Map.copyOf(byDevice);
        this.macs = Set.copyOf(macs);
    }

    public static HeldDevices scan(LibvirtGateway gw) {
        return scan(gw, null);
    }

    /** As above, taking {@code known}'s XML as read instead of asking libvirt for it again. */
    public static HeldDevices scan(LibvirtGateway gw, DomainSnapshot known) {
        Map<String, Held> held = new LinkedHashMap<>();
        Set<MacAddress> macs = new HashSet<>();
        for (String name : gw.domainNames()) {
            List<String> xmls;
            if (known != null && name.equals(known.name())) {
                xmls = new java.util.ArrayList<>();
                if (known.state().persistent()) {
                    xmls.add(known.configXml());
                }
                if (known.liveXml() != null) {
                    xmls.add(known.liveXml());
                }
                xmls.forEach(xml -> add(DomainXml.parse(xml), held, macs));
                continue;
            }
            try {
                boolean active = gw.domain(name).active();
                boolean persistent = gw.domain(name).persistent();
                xmls = new java.util.ArrayList<>();
                if (persistent) {
                    xmls.add(gw.domainXml(name, true));
                }
                if (active) {
                    xmls.add(gw.domainXml(name, false));
                }
            } catch (VirtwireException e) {
                if (e.kind() == VirtwireException.Kind.NOT_FOUND) {
                    continue; // undefined between listing and reading
                }
                throw e;
            }
            for (String xml : xmls) {
                add(DomainXml.parse(xml), held, macs);
            }
        }
        return new HeldDevices(held, macs);
    }

    /** What one domain XML holds (the hook reads the XML libvirt passes on stdin). */
    public static List<Held> of(DomainXml domain) {
        Map<String, Held> held = new LinkedHashMap<>();
        add(domain, held, new HashSet<>());
        return List.copyOf(held.values());
    }

    private static void add(DomainXml domain, Map<String, Held> held, Set<MacAddress> macs) {
        for (GuestInterface i : domain.interfaces()) {
            String mac = i.mac().map(MacAddress::toString).orElse(null);
            i.mac().ifPresent(macs::add);
            switch (i) {
                case HostdevInterface h -> held.putIfAbsent(h.vf().toString(), new Held("hostdev", h.vf().toString(), domain.name(), mac));
                case VdpaInterface v -> held.putIfAbsent(v.device(), new Held("vdpa", v.device(), domain.name(), mac));
                case VhostUserInterface u -> held.putIfAbsent(u.socketPath().toString(),
                        new Held("vhostuser", u.socketPath().toString(), domain.name(), mac));
                default -> {
                }
            }
        }
        for (PciHostdev h : domain.hostdevs()) {
            held.putIfAbsent(h.source().toString(), new Held("hostdev", h.source().toString(), domain.name(), null));
        }
    }

    public Optional<Held> holder(String device) {
        return Optional.ofNullable(byDevice.get(device));
    }

    public boolean heldBy(String device, String domain) {
        Held h = byDevice.get(device);
        return h != null && h.domain().equals(domain);
    }

    public Map<String, Held> all() {
        return byDevice;
    }

    public Set<MacAddress> macs() {
        return macs;
    }
}
