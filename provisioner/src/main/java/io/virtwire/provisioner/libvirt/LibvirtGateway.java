package io.virtwire.provisioner.libvirt;

import java.util.List;

/**
 * The provisioner's whole view of libvirt: one open connection. Implementations turn libvirt failures into
 * {@link io.virtwire.provisioner.VirtwireException}s whose message says what was asked and what libvirt answered;
 * {@link LibvirtUnsupportedException} marks an operation the driver does not implement (the test driver has
 * no device hotplug), so callers can fall back to editing the persistent definition.
 */
public interface LibvirtGateway extends AutoCloseable {

    String uri();

    /** @throws io.virtwire.provisioner.VirtwireException NOT_FOUND with the domain name when there is no such domain */
    DomainState domain(String name);

    /** Names of all domains, running and defined-only. */
    List<String> domainNames();

    /** The domain's XML: the persistent definition when {@code inactive}, else the live one. */
    String domainXml(String name, boolean inactive);

    /** Defines (or redefines) a persistent domain; returns its name. */
    String defineDomain(String xml);

    void attachDevice(String domain, String deviceXml, DeviceScope scope);

    void detachDevice(String domain, String deviceXml, DeviceScope scope);

    /**
     * libvirt's update-device (virDomainUpdateDeviceFlags): changes the device with the same MAC in place.
     * {@link LibvirtUnsupportedException} when the driver has no such call (the test driver) or refuses the change
     * (VIR_ERR_OPERATION_UNSUPPORTED, e.g. anything on a running type='hostdev' interface).
     */
    default void updateDevice(String domain, String deviceXml, DeviceScope scope) {
        throw new LibvirtUnsupportedException("libvirt could not update a device of domain '" + domain + "': " + uri() + " has no update-device");
    }

    void start(String domain);

    void destroy(String domain);

    void undefine(String domain);

    /** Defines a persistent network (e.g. a hostdev pool); returns its name. */
    String defineNetwork(String xml);

    /** The network's XML, or NOT_FOUND. */
    String networkXml(String name);

    @Override
    void close();
}
