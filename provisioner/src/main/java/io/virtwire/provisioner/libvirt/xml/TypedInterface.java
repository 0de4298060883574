package io.virtwire.provisioner.libvirt.xml;

import io.virtwire.provisioner.model.MacAddress;
import io.virtwire.provisioner.model.PciAddress;
import jakarta.xml.bind.annotation.XmlAnyAttribute;
import jakarta.xml.bind.annotation.XmlAnyElement;
import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlElement;
import jakarta.xml.bind.annotation.XmlTransient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.xml.namespace.QName;
import org.w3c.dom.Element;

/**
 * What every modelled interface variant shares: type, mac, alias, guest address, and the unknown children and
 * attributes (target, rom, boot, bandwidth, acpi, ...) that must survive an edit. Mapped into each subclass.
 */
@XmlTransient
public abstract sealed class TypedInterface implements GuestInterface
        permits HostdevInterface, VdpaInterface, VhostUserInterface, NetworkInterface {

    @XmlAttribute(name = "type")
    protected String type;
    @XmlElement(name = "mac")
    protected MacXml mac;
    @XmlElement(name = "alias")
    protected AliasXml alias;
    /** Guest-side PCI address; kept so that a redefined domain keeps its device layout. */
    @XmlElement(name = "address")
    protected AddressXml address;
    @XmlAnyElement
    protected List<Element> any = new ArrayList<>();
    @XmlAnyAttribute
    protected Map<QName, String> otherAttributes = new LinkedHashMap<>();

    protected TypedInterface(String type) {
        this.type = type;
    }

    @Override
    public String type() {
        return type;
    }

    @Override
    public Optional<MacAddress> mac() {
        return mac == null || mac.address == null ? Optional.empty() : Optional.of(MacAddress.parse(mac.address));
    }

    public void setMac(MacAddress value) {
        this.mac = value == null ? null : new MacXml(value.value());
    }

    @Override
    public Optional<String> alias() {
        return alias == null ? Optional.empty() : Optional.ofNullable(alias.name);
    }

    /** {@code <alias name='NAME'/>}; libvirt keeps a user alias only when it starts with "ua-". */
    public void setAlias(String name) {
        if (name == null) {
            this.alias = null;
            return;
        }
        this.alias = new AliasXml();
        this.alias.name = name;
    }

    /** {@code <target dev='DEV'/>} (virsh attach-interface --target): replaces any target element present. */
    public void setTargetDev(String dev) {
        replaceOther("target", "dev", dev);
    }

    /**
     * {@code <model type='TYPE'/>} (virsh attach-interface --model). Variants that map the model element override
     * this; the others (hostdev) keep it among the unmodelled children, which libvirt's schema allows in any order.
     */
    public void setModelType(String modelType) {
        replaceOther("model", "type", modelType);
    }

    private void replaceOther(String element, String attribute, String value) {
        any.removeIf(e -> element.equals(e.getLocalName() == null ? e.getTagName() : e.getLocalName()));
        if (value != null) {
            Element e = LibvirtXml.newDocument().createElement(element);
            e.setAttribute(attribute, value);
            any.add(e);
        }
    }

    public Optional<AddressXml> guestAddress() {
        return Optional.ofNullable(address);
    }

    public void setGuestPciAddress(PciAddress pci) {
        this.address = pci == null ? null : AddressXml.pci(pci);
    }

    /** Children we do not model, as DOM elements (live view: edits are written back). */
    public List<Element> otherElements() {
        return any;
    }

    /** Attributes we do not model (live view). */
    public Map<QName, String> otherAttributes() {
        return otherAttributes;
    }

    @Override
    public String toXml() {
        return LibvirtXml.marshal(this, "interface");
    }

    static Integer checkedQueues(Integer n) {
        if (n != null) {
            new io.virtwire.provisioner.model.QueueCount(n);
        }
        return n;
    }
}
