package io.virtwire.provisioner.nic;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.libvirt.DeviceScope;
import io.virtwire.provisioner.libvirt.DomainSnapshot;
import io.virtwire.provisioner.libvirt.DomainState;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import io.virtwire.provisioner.libvirt.LibvirtUnsupportedException;
import io.virtwire.provisioner.libvirt.xml.DomainXml;
import io.virtwire.provisioner.libvirt.xml.HostdevInterface;
import io.virtwire.provisioner.libvirt.xml.PciHostdev;
import io.virtwire.provisioner.model.PciAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Plain PCI passthrough: attaches and detaches {@code <hostdev mode='subsystem' type='pci' managed='yes'>}, which
 * virsh does with attach-device / detach-device and that XML. Unlike a hostdev interface libvirt sets no MAC or VLAN
 * on the device, for guests whose VF driver must choose its MAC itself. The same rules as {@link InterfaceService}:
 * every check before the first change, a device already there is no change, and where the driver has no device
 * hotplug (the test driver) the persistent definition is edited and defined again.
 */
public final class HostdevService {

    public HostdevChange attach(LibvirtGateway gw, DomainSnapshot domain, PciAddress device, DeviceScope requested, boolean printOnly) {
        String name = domain.name();
        DeviceScope scope = InterfaceService.effectiveScope(domain.state(), requested);
        DomainXml config = InterfaceService.parseDomain(domain.configXml(), "persistent definition of '" + name + "'");
        DomainXml live = domain.liveXml() == null ? null : InterfaceService.parseDomain(domain.liveXml(), "live XML of '" + name + "'");
        for (DomainXml xml : live == null ? List.of(config) : List.of(config, live)) {
            xml.interfaces().stream().filter(i -> i instanceof HostdevInterface h && h.vf().equals(device)).findFirst().ifPresent(i -> {
                throw VirtwireException.conflict("PCI device " + device + " is already attached to '" + name + "' as a hostdev interface"
                        + i.mac().map(m -> " (MAC " + m + ")").orElse("") + ": detach it first (virtwire detach-interface " + name
                        + i.mac().map(m -> " --mac " + m).orElse("") + ")");
            });
        }
        PciHostdev hostdev = PciHostdev.of(device);
        boolean inConfig = !scope.config() || has(config, device);
        boolean inLive = !scope.live() || has(live, device);
        if (inConfig && inLive) {
            return new HostdevChange("attach", name, false, scope.toString(), device.toString(), hostdev.toXml(),
                    List.of("PCI device " + device + " is already assigned to '" + name + "': nothing to do"), null, null);
        }
        if (printOnly) {
            return new HostdevChange("attach", name, false, scope.toString(), device.toString(), hostdev.toXml(), List.of(), null, null);
        }
        List<String> notes = new ArrayList<>();
        try {
            gw.attachDevice(name, hostdev.toXml(), scope);
        } catch (LibvirtUnsupportedException e) {
            if (scope.live()) {
                throw new VirtwireException(VirtwireException.Kind.LIBVIRT, "the libvirt driver at " + gw.uri()
                        + " cannot attach devices to a running domain: " + e.getMessage() + "; use --config to change the persistent definition", e);
            }
            config.addHostdev(hostdev);
            gw.defineDomain(config.toXml());
            notes.add("the libvirt driver has no device attach: edited and redefined the persistent definition");
        }
        String before = scope.config() ? domain.configXml() : domain.liveXml();
        return new HostdevChange("attach", name, true, scope.toString(), device.toString(), hostdev.toXml(), notes,
                new NicChange.Diff(before, gw.domainXml(name, scope.config())), null);
    }

    public HostdevChange detach(LibvirtGateway gw, String domainName, PciAddress device, DeviceScope requested) {
        DomainSnapshot domain = DomainSnapshot.read(gw, domainName);
        DomainState state = domain.state();
        DeviceScope scope = InterfaceService.effectiveScope(state, requested);
        DomainXml config = InterfaceService.parseDomain(domain.configXml(), "persistent definition of '" + domainName + "'");
        DomainXml live = domain.liveXml() == null ? null : InterfaceService.parseDomain(domain.liveXml(), "live XML of '" + domainName + "'");
        Optional<PciHostdev> inConfig = scope.config() ? find(config, device) : Optional.empty();
        Optional<PciHostdev> inLive = scope.live() ? find(live, device) : Optional.empty();
        if (scope.config() && inConfig.isEmpty() || scope.live() && inLive.isEmpty()) {
            throw VirtwireException.notFound("domain '" + domainName + "' has no PCI hostdev " + device + " in its "
                    + (scope.config() && inConfig.isEmpty() ? "persistent definition" : "running configuration")
                    + " (its PCI hostdevs: " + listed(scope.config() && inConfig.isEmpty() ? config : live) + ")");
        }
        PciHostdev hostdev = inLive.or(() -> inConfig).orElseThrow();
        List<String> notes = new ArrayList<>();
        try {
            gw.detachDevice(domainName, hostdev.toXml(), scope);
        } catch (LibvirtUnsupportedException e) {
            if (scope.live()) {
                throw new VirtwireException(VirtwireException.Kind.LIBVIRT, "the libvirt driver at " + gw.uri()
                        + " cannot detach devices from a running domain: " + e.getMessage() + "; use --config to change the persistent definition", e);
            }
            config.removeHostdev(device);
            gw.defineDomain(config.toXml());
            notes.add("the libvirt driver has no device detach: edited and redefined the persistent definition");
        }
        if (scope.live()) {
            notes.add("live detach is asynchronous in the guest: libvirt removes the device once the guest OS releases it");
        }
        String before = scope.config() ? domain.configXml() : domain.liveXml();
        return new HostdevChange("detach", domainName, true, scope.toString(), device.toString(), hostdev.toXml(), notes,
                new NicChange.Diff(before, gw.domainXml(domainName, scope.config())), null);
    }

    private static boolean has(DomainXml domain, PciAddress device) {
        return find(domain, device).isPresent();
    }

    private static Optional<PciHostdev> find(DomainXml domain, PciAddress device) {
        return domain.hostdevs().stream().filter(h -> h.source().equals(device)).findFirst();
    }

    private static String listed(DomainXml domain) {
        List<String> all = domain.hostdevs().stream().map(h -> h.source().toString()).toList();
        return all.isEmpty() ? "none" : String.join(", ", all);
    }
}
