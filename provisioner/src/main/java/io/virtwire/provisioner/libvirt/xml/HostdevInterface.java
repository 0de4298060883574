package io.virtwire.provisioner.libvirt.xml;

import io.virtwire.provisioner.model.MacAddress;
import io.virtwire.provisioner.model.PciAddress;
import io.virtwire.provisioner.model.VlanSpec;
import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlElement;
import jakarta.xml.bind.annotation.XmlType;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code <interface type='hostdev' managed='yes'>}: an SR-IOV VF passed through with vfio, with libvirt setting
 * the VF's MAC and VLAN on the PF before assignment (unlike a plain {@code <hostdev>}).
 */
@XmlType(name = "hostdevInterface",
        propOrder = {"mac", "source", "driver", "vlan", "teaming", "alias", "address", "any"})
public final class HostdevInterface extends TypedInterface {

    @XmlAttribute(name = "managed")
    private String managed;
    @XmlElement(name = "source")
    private SourceXml source;
    @XmlElement(name = "driver")
    private DriverXml driver;
    @XmlElement(name = "vlan")
    private VlanXml vlan;
    @XmlElement(name = "teaming")
    private TeamingXml teaming;

    HostdevInterface() {
        super("hostdev");
    }

    /** A managed vfio VF interface: libvirt unbinds the VF from its host driver and binds it to vfio-pci. */
    public static HostdevInterface of(MacAddress mac, PciAddress vf) {
        Objects.requireNonNull(mac, "mac");
        Objects.requireNonNull(vf, "vf");
        HostdevInterface i = new HostdevInterface();
        i.managed = "yes";
        i.setMac(mac);
        i.source = new SourceXml();
        i.source.address = AddressXml.pci(vf);
        i.driver = new DriverXml("vfio");
        return i;
    }

    public PciAddress vf() {
        if (source == null || source.address == null) {
            throw new IllegalStateException("hostdev interface has no <source><address/></source>");
        }
        return source.address.toPci();
    }

    /** managed='yes' (libvirt binds the VF to vfio-pci itself) or no attribute (the VF must already be on vfio-pci). */
    public HostdevInterface withManaged(boolean value) {
        this.managed = value ? "yes" : null;
        return this;
    }

    public boolean managed() {
        return "yes".equals(managed);
    }

    public Optional<String> driverName() {
        return driver == null ? Optional.empty() : Optional.ofNullable(driver.name);
    }

    public Optional<VlanSpec> vlan() {
        return vlan == null ? Optional.empty() : Optional.of(VlanMapping.fromXml(vlan));
    }

    public HostdevInterface withVlan(VlanSpec spec) {
        this.vlan = spec == null ? null : VlanMapping.toXml(spec);
        return this;
    }

    public Optional<TeamingXml> teaming() {
        return Optional.ofNullable(teaming);
    }

    /** Pairs this VF as the transient half of a virtio failover team whose persistent half has {@code alias}. */
    public HostdevInterface withTransientTeaming(String persistentAlias) {
        TeamingXml t = new TeamingXml();
        t.type = "transient";
        t.persistent = Objects.requireNonNull(persistentAlias, "persistentAlias");
        this.teaming = t;
        return this;
    }
}
