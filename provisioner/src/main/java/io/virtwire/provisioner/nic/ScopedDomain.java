package io.virtwire.provisioner.nic;

import io.virtwire.provisioner.libvirt.DeviceScope;
import io.virtwire.provisioner.libvirt.DomainSnapshot;
import io.virtwire.provisioner.libvirt.DomainState;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import io.virtwire.provisioner.libvirt.xml.DomainXml;

/**
 * What an idempotent NIC command (attach or detach with --ensure) decides on: the domain read once
 * ({@link DomainSnapshot}), the requested scope resolved against its state, and both definitions parsed.
 *
 * @param live null when the domain does not run
 */
public record ScopedDomain(DomainSnapshot snapshot, DeviceScope scope, DomainXml config, DomainXml live) {

    public static ScopedDomain read(LibvirtGateway gw, String domain, DeviceScope requested) {
        DomainSnapshot s = DomainSnapshot.read(gw, domain);
        return new ScopedDomain(s, InterfaceService.effectiveScope(s.state(), requested),
                InterfaceService.parseDomain(s.configXml(), "persistent definition of '" + domain + "'"),
                s.liveXml() == null ? null : InterfaceService.parseDomain(s.liveXml(), "live XML of '" + domain + "'"));
    }

    public DomainState state() {
        return snapshot.state();
    }

    /** The persistent definition as read. */
    public String configXml() {
        return snapshot.configXml();
    }

    /** The live XML as read, or null. */
    public String liveXml() {
        return snapshot.liveXml();
    }
}
