package io.virtwire.provisioner.libvirt.xml;

import io.virtwire.provisioner.model.MacAddress;
import jakarta.xml.bind.annotation.XmlElement;
import jakarta.xml.bind.annotation.XmlType;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code <interface type='network'>}: a NIC taken from a libvirt network. For virtwire this is mostly a
 * reference to a hostdev pool ({@link HostdevNetwork}), from which libvirt picks a free VF at start time.
 */
@XmlType(name = "networkInterface", propOrder = {"mac", "source", "model", "alias", "address", "any"})
public final class NetworkInterface extends TypedInterface {

    @XmlElement(name = "source")
    private SourceXml source;
    @XmlElement(name = "model")
    private ModelXml model;

    NetworkInterface() {
        super("network");
    }

    /** An interface from network {@code network}; {@code mac} may be null to let libvirt generate one. */
    public static NetworkInterface of(MacAddress mac, String network) {
        if (network == null || network.isBlank()) {
            throw new IllegalArgumentException("invalid network name '" + network + "': must not be empty");
        }
        NetworkInterface i = new NetworkInterface();
        i.setMac(mac);
        i.source = new SourceXml();
        i.source.network = Objects.requireNonNull(network);
        return i;
    }

    public String network() {
        return source == null ? null : source.network;
    }

    public Optional<String> model() {
        return model == null ? Optional.empty() : Optional.ofNullable(model.type);
    }

    public NetworkInterface withModel(String type) {
        this.model = type == null ? null : new ModelXml(type);
        return this;
    }
}
