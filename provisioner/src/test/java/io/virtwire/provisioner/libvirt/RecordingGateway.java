package io.virtwire.provisioner.libvirt;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.libvirt.xml.DomainXml;
import io.virtwire.provisioner.libvirt.xml.GuestInterface;
import io.virtwire.provisioner.libvirt.xml.GuestInterfaces;
import io.virtwire.provisioner.libvirt.xml.HostdevInterface;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Running domains held in memory: live device attach/detach edit their XML (as a real libvirtd's would once the
 * guest releases the device) and are recorded, for tests of live paths that these machines cannot run (VF hotplug).
 */
public final class RecordingGateway implements LibvirtGateway {

    private final Map<String, String> live = new LinkedHashMap<>();
    public final List<String> calls = new ArrayList<>();

    public RecordingGateway running(String domain, String xml) {
        live.put(domain, xml);
        return this;
    }

    public String uri() {
        return "recording:///";
    }

    public DomainState domain(String name) {
        if (!live.containsKey(name)) {
            throw VirtwireException.notFound("no domain '" + name + "'");
        }
        return new DomainState(name, "00000000-0000-0000-0000-000000000000", true, true);
    }

    public List<String> domainNames() {
        return List.copyOf(live.keySet());
    }

    public String domainXml(String name, boolean inactive) {
        domain(name);
        return live.get(name);
    }

    public String defineDomain(String xml) {
        throw new UnsupportedOperationException("define");
    }

    public void attachDevice(String domain, String deviceXml, DeviceScope scope) {
        calls.add("attach " + domain + " " + scope + " " + ((HostdevInterface) GuestInterfaces.parse(deviceXml)).vf());
        DomainXml d = DomainXml.parse(live.get(domain));
        d.addInterface((HostdevInterface) GuestInterfaces.parse(deviceXml));
        live.put(domain, d.toXml());
    }

    public void detachDevice(String domain, String deviceXml, DeviceScope scope) {
        HostdevInterface h = (HostdevInterface) GuestInterfaces.parse(deviceXml);
        calls.add("detach " + domain + " " + scope + " " + h.vf());
        DomainXml d = DomainXml.parse(live.get(domain));
        GuestInterface i = d.findInterface(h.mac().orElseThrow()).orElseThrow();
        d.removeInterface(i.mac().orElseThrow());
        live.put(domain, d.toXml());
    }

    public void start(String domain) {
        throw new UnsupportedOperationException("start");
    }

    public void destroy(String domain) {
        throw new UnsupportedOperationException("destroy");
    }

    public void undefine(String domain) {
        throw new UnsupportedOperationException("undefine");
    }

    public String defineNetwork(String xml) {
        throw new UnsupportedOperationException("defineNetwork");
    }

    public String networkXml(String name) {
        throw VirtwireException.notFound("no network '" + name + "'");
    }

    public void close() {
    }
}
