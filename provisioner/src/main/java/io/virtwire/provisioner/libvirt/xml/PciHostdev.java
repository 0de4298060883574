package io.virtwire.provisioner.libvirt.xml;

import io.virtwire.provisioner.model.PciAddress;
import jakarta.xml.bind.annotation.XmlAnyAttribute;
import jakarta.xml.bind.annotation.XmlAnyElement;
import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlElement;
import jakarta.xml.bind.annotation.XmlType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.xml.namespace.QName;
import org.w3c.dom.Element;

/**
 * {@code <hostdev mode='subsystem' type='pci' managed='yes'>}: a PCI function passed through as-is (libvirt does
 * not touch MAC or VLAN, unlike {@link HostdevInterface}).
 */
@XmlType(name = "hostdev", propOrder = {"driver", "source", "alias", "address", "any"})
public final class PciHostdev {

    @XmlAttribute(name = "mode")
    private String mode;
    @XmlAttribute(name = "type")
    private String type;
    @XmlAttribute(name = "managed")
    private String managed;
    @XmlElement(name = "driver")
    private DriverXml driver;
    @XmlElement(name = "source")
    private SourceXml source;
    @XmlElement(name = "alias")
    private AliasXml alias;
    @XmlElement(name = "address")
    private AddressXml address;
    @XmlAnyElement
    private List<Element> any = new ArrayList<>();
    @XmlAnyAttribute
    private Map<QName, String> otherAttributes = new LinkedHashMap<>();

    PciHostdev() {
    }

    public static PciHostdev of(PciAddress function) {
        PciHostdev h = new PciHostdev();
        h.mode = "subsystem";
        h.type = "pci";
        h.managed = "yes";
        h.driver = new DriverXml("vfio");
        h.source = new SourceXml();
        h.source.address = AddressXml.pci(Objects.requireNonNull(function, "function"));
        // the hostdev schema (hostdevsubsyspci) has no type attribute on the source address, unlike interfaces
        h.source.address.type = null;
        return h;
    }

    public static PciHostdev parse(String deviceXml) {
        Element e = LibvirtXml.parseDocument(deviceXml).getDocumentElement();
        if (!"hostdev".equals(e.getLocalName()) || !"pci".equals(e.getAttribute("type"))) {
            throw new IllegalArgumentException("expected <hostdev type='pci'>, got <" + e.getTagName() + " type='"
                    + e.getAttribute("type") + "'>");
        }
        return LibvirtXml.unmarshal(e, PciHostdev.class);
    }

    public PciAddress source() {
        if (source == null || source.address == null) {
            throw new IllegalStateException("PCI hostdev has no <source><address/></source>");
        }
        return source.address.toPci();
    }

    public boolean managed() {
        return "yes".equals(managed);
    }

    public Optional<String> driverName() {
        return driver == null ? Optional.empty() : Optional.ofNullable(driver.name);
    }

    public Optional<String> alias() {
        return alias == null ? Optional.empty() : Optional.ofNullable(alias.name);
    }

    public Optional<AddressXml> guestAddress() {
        return Optional.ofNullable(address);
    }

    public List<Element> otherElements() {
        return any;
    }

    public String toXml() {
        return LibvirtXml.marshal(this, "hostdev");
    }
}
