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
import java.util.Optional;
import java.util.regex.Pattern;
import javax.xml.namespace.QName;
import org.w3c.dom.Element;

/**
 * A libvirt {@code <network>} with {@code <forward mode='hostdev'>}: a pool of SR-IOV VFs, given either as the PF
 * ({@code <pf dev='ens2f0'/>}, libvirt enumerates its VFs) or as an explicit list of VF PCI addresses. Guests
 * reference it with {@link NetworkInterface}.
 */
@XmlType(name = "network", propOrder = {"name", "uuid", "forward", "any"})
public final class HostdevNetwork {

    private static final Pattern NETDEV = Pattern.compile("[A-Za-z0-9_.:@-]{1,15}");

    @XmlType(name = "forward", propOrder = {"driver", "pfs", "addresses", "any"})
    public static final class Forward {
        @XmlAttribute(name = "mode")
        public String mode;
        @XmlAttribute(name = "managed")
        public String managed;
        @XmlElement(name = "driver")
        public DriverXml driver;
        @XmlElement(name = "pf")
        public List<Pf> pfs = new ArrayList<>();
        @XmlElement(name = "address")
        public List<AddressXml> addresses = new ArrayList<>();
        @XmlAnyElement
        public List<Element> any = new ArrayList<>();
        @XmlAnyAttribute
        public Map<QName, String> otherAttributes = new LinkedHashMap<>();
    }

    @XmlType(name = "pf")
    public static final class Pf {
        @XmlAttribute(name = "dev")
        public String dev;
        @XmlAnyElement
        public List<Element> any = new ArrayList<>();
        @XmlAnyAttribute
        public Map<QName, String> otherAttributes = new LinkedHashMap<>();
    }

    @XmlElement(name = "name")
    private String name;
    @XmlElement(name = "uuid")
    private String uuid;
    @XmlElement(name = "forward")
    private Forward forward;
    @XmlAnyElement
    private List<Element> any = new ArrayList<>();
    @XmlAnyAttribute
    private Map<QName, String> otherAttributes = new LinkedHashMap<>();

    HostdevNetwork() {
    }

    /** A pool of all VFs of physical function {@code pfNetdev}. */
    public static HostdevNetwork ofPf(String name, String pfNetdev) {
        if (pfNetdev == null || !NETDEV.matcher(pfNetdev).matches()) {
            throw new IllegalArgumentException("invalid PF interface name '" + pfNetdev
                    + "': expected a Linux netdev name of 1..15 characters like ens2f0");
        }
        HostdevNetwork n = named(name);
        Pf pf = new Pf();
        pf.dev = pfNetdev;
        n.forward.pfs.add(pf);
        return n;
    }

    /** A pool of exactly these VFs, bound to vfio-pci by libvirt when a guest takes one. */
    public static HostdevNetwork ofVfs(String name, List<PciAddress> vfs) {
        if (vfs == null || vfs.isEmpty()) {
            throw new IllegalArgumentException("hostdev network '" + name + "' needs at least one VF address");
        }
        HostdevNetwork n = named(name);
        n.forward.driver = new DriverXml("vfio");
        vfs.forEach(vf -> n.forward.addresses.add(AddressXml.pci(vf)));
        return n;
    }

    private static HostdevNetwork named(String name) {
        if (name == null || name.isBlank() || name.contains("/")) {
            throw new IllegalArgumentException("invalid network name '" + name
                    + "': must be non-empty and must not contain '/'");
        }
        HostdevNetwork n = new HostdevNetwork();
        n.name = name;
        n.forward = new Forward();
        n.forward.mode = "hostdev";
        n.forward.managed = "yes";
        return n;
    }

    public static HostdevNetwork parse(String xml) {
        Element e = LibvirtXml.parseDocument(xml).getDocumentElement();
        if (!"network".equals(e.getLocalName())) {
            throw new IllegalArgumentException("expected a <network> document, got <" + e.getTagName() + ">");
        }
        HostdevNetwork n = LibvirtXml.unmarshal(e, HostdevNetwork.class);
        if (n.forward == null || !"hostdev".equals(n.forward.mode)) {
            throw new IllegalArgumentException("network '" + n.name + "' is not a hostdev pool: expected"
                    + " <forward mode='hostdev'>, got mode '" + (n.forward == null ? null : n.forward.mode) + "'");
        }
        return n;
    }

    public String name() {
        return name;
    }

    public Optional<String> uuid() {
        return Optional.ofNullable(uuid);
    }

    public boolean managed() {
        return "yes".equals(forward.managed);
    }

    public List<String> pfs() {
        return forward.pfs.stream().map(p -> p.dev).toList();
    }

    public List<PciAddress> vfs() {
        return forward.addresses.stream().map(AddressXml::toPci).toList();
    }

    public String toXml() {
        return LibvirtXml.marshal(this, "network");
    }
}
