package io.virtwire.provisioner.libvirt.xml;

import jakarta.xml.bind.annotation.XmlAnyAttribute;
import jakarta.xml.bind.annotation.XmlAnyElement;
import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlElement;
import jakarta.xml.bind.annotation.XmlType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.namespace.QName;
import org.w3c.dom.Element;

/** {@code <address type="pci" domain="0x0000" bus="0x07" slot="0x00" function="0x2"/>} (host or guest side). */
@XmlType(name = "address")
public class AddressXml {
    @XmlAttribute(name = "type")
    public String type;
    @XmlAttribute(name = "domain")
    public String domain;
    @XmlAttribute(name = "bus")
    public String bus;
    @XmlAttribute(name = "slot")
    public String slot;
    @XmlAttribute(name = "function")
    public String function;
    /** Children libvirt may add in later versions (e.g. zpci under address). */
    @XmlAnyElement
    public List<Element> any = new ArrayList<>();
    @XmlAnyAttribute
    public Map<QName, String> otherAttributes = new LinkedHashMap<>();

    public static AddressXml pci(io.virtwire.provisioner.model.PciAddress pci) {
        AddressXml a = new AddressXml();
        a.type = "pci";
        a.domain = pci.libvirtDomain();
        a.bus = pci.libvirtBus();
        a.slot = pci.libvirtSlot();
        a.function = pci.libvirtFunction();
        return a;
    }

    /** The PCI address, or an exception naming the type if this is a ccw/drive/... address. */
    public io.virtwire.provisioner.model.PciAddress toPci() {
        if (type != null && !"pci".equals(type)) {
            throw new IllegalArgumentException("address type '" + type + "' is not a PCI address");
        }
        return io.virtwire.provisioner.model.PciAddress.fromLibvirt(domain, bus, slot, function);
    }
}
