package io.virtwire.provisioner.libvirt;

import io.virtwire.provisioner.VirtwireException;

import java.util.List;

/** Delegates everything to another gateway; tests override single calls (to fail them) and ignore close(). */
public class ForwardingGateway implements LibvirtGateway {

    protected final LibvirtGateway g;

    public ForwardingGateway(LibvirtGateway g) {
        this.g = g;
    }

    /** {@code g} where every device change (define with a new device, attach) fails as libvirt's XML check would. */
    public static LibvirtGateway refusingDeviceChanges(LibvirtGateway g) {
        return new ForwardingGateway(g) {
            @Override
            public String defineDomain(String xml) {
                throw refusal();
            }

            @Override
            public void attachDevice(String domain, String deviceXml, DeviceScope scope) {
                throw refusal();
            }
        };
    }

    private static VirtwireException refusal() {
        return new VirtwireException(VirtwireException.Kind.LIBVIRT, "libvirt: XML error: simulated refusal");
    }

    public String uri() {
        return g.uri();
    }

    public DomainState domain(String name) {
        return g.domain(name);
    }

    public List<String> domainNames() {
        return g.domainNames();
    }

    public String domainXml(String name, boolean inactive) {
        return g.domainXml(name, inactive);
    }

    public String defineDomain(String xml) {
        return g.defineDomain(xml);
    }

    public void attachDevice(String domain, String deviceXml, DeviceScope scope) {
        g.attachDevice(domain, deviceXml, scope);
    }

    public void detachDevice(String domain, String deviceXml, DeviceScope scope) {
        g.detachDevice(domain, deviceXml, scope);
    }

    public void updateDevice(String domain, String deviceXml, DeviceScope scope) {
        g.updateDevice(domain, deviceXml, scope);
    }

    public void start(String domain) {
        g.start(domain);
    }

    public void destroy(String domain) {
        g.destroy(domain);
    }

    public void undefine(String domain) {
        g.undefine(domain);
    }

    public String defineNetwork(String xml) {
        return g.defineNetwork(xml);
    }

    public String networkXml(String name) {
        return g.networkXml(name);
    }

    /** The shared connection outlives each command. */
    public void close() {
    }
}
