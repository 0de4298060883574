package io.virtwire.provisioner.libvirt.xml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtwire.provisioner.model.MacAddress;
import io.virtwire.provisioner.model.PciAddress;
import io.virtwire.provisioner.model.QueueCount;
import io.virtwire.provisioner.model.UnixSocketPath;
import io.virtwire.provisioner.model.VlanSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

class DomainXmlEditTest {

    private static final MacAddress NEW_MAC = MacAddress.parse("52:54:00:fe:00:01");

    static String[] domains() {
        return Fixtures.DOMAINS;
    }

    static GuestInterface vhostUser() {
        return VhostUserInterface.of(NEW_MAC, new UnixSocketPath("/run/virtwire/test-0.sock"),
                VhostUserInterface.Mode.CLIENT, new QueueCount(2)).withReconnect(5);
    }

    /** Device element names in <devices>, in order, with the type attribute for interfaces. */
    private static List<String> deviceOrder(String domainXml) {
        Document d = LibvirtXml.parseDocument(domainXml);
        Element devices = (Element) d.getElementsByTagName("devices").item(0);
        List<String> out = new ArrayList<>();
        for (Node c = devices.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c instanceof Element e) {
                out.add(e.getTagName() + (e.hasAttribute("type") ? ":" + e.getAttribute("type") : ""));
            }
        }
        return out;
    }

    /** The domain without the interface carrying {@code mac}, removed with plain DOM (not with DomainXml). */
    private static String withoutInterfaceByDom(String domainXml, MacAddress mac) {
        Document d = LibvirtXml.parseDocument(domainXml);
        var ifaces = d.getElementsByTagName("interface");
        for (int i = 0; i < ifaces.getLength(); i++) {
            Element e = (Element) ifaces.item(i);
            Element m = LibvirtXml.firstChild(e, "mac");
            if (m != null && mac.value().equals(m.getAttribute("address"))) {
                e.getParentNode().removeChild(e);
                return LibvirtXml.toXml(d);
            }
        }
        throw new AssertionError("no interface with MAC " + mac + " in\n" + domainXml);
    }

    @ParameterizedTest
    @MethodSource("domains")
    void addingAnInterfaceChangesNothingElse(String file) {
        String original = Fixtures.domain(file);
        DomainXml domain = DomainXml.parse(original);
        domain.addInterface(vhostUser());
        String edited = domain.toXml();

        var diff = Fixtures.identical(original, withoutInterfaceByDom(edited, NEW_MAC));
        assertFalse(diff.hasDifferences(), diff::toString);
        assertInstanceOf(VhostUserInterface.class, DomainXml.parse(edited).findInterface(NEW_MAC).orElseThrow());
        VirtXmlValidate.assertValid(edited, "domain");
    }

    @ParameterizedTest
    @MethodSource("domains")
    void newInterfaceFollowsTheLastInterface(String file) {
        String original = Fixtures.domain(file);
        List<String> before = deviceOrder(original);
        DomainXml domain = DomainXml.parse(original);
        domain.addInterface(vhostUser());
        List<String> after = deviceOrder(domain.toXml());

        int lastInterface = -1;
        for (int i = 0; i < before.size(); i++) {
            if (before.get(i).startsWith("interface:")) {
                lastInterface = i;
            }
        }
        int expectedAt = lastInterface >= 0 ? lastInterface + 1 : before.size();
        List<String> expected = new ArrayList<>(before);
        expected.add(expectedAt, "interface:vhostuser");
        assertEquals(expected, after);
    }

    @Test
    void interfaceGoesToEndOfDevicesWhenThereIsNone() {
        String xml = "<domain type='kvm'><name>x</name><devices>\n    <disk type='file' device='disk'/>\n"
                + "    <console type='pty'/>\n  </devices></domain>";
        DomainXml domain = DomainXml.parse(xml);
        domain.addInterface(NetworkInterface.of(NEW_MAC, "pool"));
        assertEquals(List.of("disk:file", "console:pty", "interface:network"), deviceOrder(domain.toXml()));
        assertTrue(domain.toXml().contains("\n    <interface type=\"network\">\n      <mac "), domain.toXml());
    }

    @Test
    void devicesIsCreatedWhenMissing() {
        DomainXml domain = DomainXml.parse("<domain type='kvm'><name>x</name></domain>");
        domain.addInterface(NetworkInterface.of(NEW_MAC, "pool"));
        assertEquals(List.of("interface:network"), deviceOrder(domain.toXml()));
    }

    @ParameterizedTest
    @MethodSource("domains")
    void addThenRemoveRestoresTheDomain(String file) {
        String original = Fixtures.domain(file);
        DomainXml domain = DomainXml.parse(original);
        domain.addInterface(HostdevInterface.of(NEW_MAC, PciAddress.parse("0000:81:10.1"))
                .withVlan(VlanSpec.trunk(List.of(5, 6), 5, VlanSpec.NativeMode.UNTAGGED)));
        GuestInterface removed = domain.removeInterface(NEW_MAC).orElseThrow();
        assertEquals(PciAddress.parse("0000:81:10.1"), assertInstanceOf(HostdevInterface.class, removed).vf());
        var diff = Fixtures.identical(original, domain.toXml());
        assertFalse(diff.hasDifferences(), diff::toString);
    }

    @ParameterizedTest
    @MethodSource("domains")
    void removingAnExistingInterfaceRemovesOnlyIt(String file) {
        String original = Fixtures.domain(file);
        DomainXml domain = DomainXml.parse(original);
        GuestInterface first = domain.interfaces().getFirst();
        MacAddress mac = first.mac().orElseThrow();
        GuestInterface removed = domain.removeInterface(mac).orElseThrow();
        assertEquals(first.type(), removed.type());
        assertEquals(domain.interfaces().size() + 1, DomainXml.parse(original).interfaces().size());
        var diff = Fixtures.identical(withoutInterfaceByDom(original, mac), domain.toXml());
        assertFalse(diff.hasDifferences(), diff::toString);
        assertEquals(Optional.empty(), domain.removeInterface(mac));
    }

    @Test
    void listsInterfacesTypedInDocumentOrder() {
        DomainXml q35 = DomainXml.parse(Fixtures.domain("q35-many-devices.xml"));
        assertEquals("q35-many", q35.name());
        assertEquals(Optional.of("6b3c1e2a-8f4d-4c1b-9a0e-2f5d7c9b1a01"), q35.uuid());
        List<GuestInterface> ifaces = q35.interfaces();
        assertEquals(List.of("bridge", "network", "direct", "user"), ifaces.stream().map(GuestInterface::type).toList());
        assertInstanceOf(OtherInterface.class, ifaces.get(0));
        assertEquals("default", assertInstanceOf(NetworkInterface.class, ifaces.get(1)).network());

        DomainXml live = DomainXml.parse(Fixtures.domain("live-dump.xml"));
        VdpaInterface vdpa = assertInstanceOf(VdpaInterface.class, live.interfaces().get(1));
        assertEquals("/dev/vhost-vdpa-0", vdpa.device());
        assertEquals(Optional.of("net1"), vdpa.alias());
    }

    @Test
    void duplicateMacIsRefused() {
        DomainXml domain = DomainXml.parse(Fixtures.domain("q35-many-devices.xml"));
        var e = assertThrows(IllegalArgumentException.class, () -> domain.addInterface(
                NetworkInterface.of(MacAddress.parse("52:54:00:AA:00:03"), "pool")));
        assertEquals("domain 'q35-many' already has an interface with MAC 52:54:00:aa:00:03:"
                + " remove it first or choose another MAC", e.getMessage());
    }

    @Test
    void foreignNamespacesSurviveAnEdit() {
        DomainXml domain = DomainXml.parse(Fixtures.domain("foreign-namespaces.xml"));
        domain.addInterface(vhostUser());
        domain.ensureSharedMemory();
        String xml = domain.toXml();
        assertTrue(xml.contains("xmlns:qemu=\"http://libvirt.org/schemas/domain/qemu/1.0\""), xml);
        assertTrue(xml.contains("<qemu:arg value=\"-fw_cfg\"/>"), xml);
        assertTrue(xml.contains("<nova:instance xmlns:nova=\"http://openstack.org/xmlns/libvirt/nova/1.1\">"), xml);
        assertTrue(xml.contains("vw:revision=\"7\""), xml);
        VirtXmlValidate.assertValid(xml, "domain");
    }

    @Test
    void otherInterfaceCanBeMovedBetweenDomains() {
        GuestInterface bridge = DomainXml.parse(Fixtures.domain("q35-many-devices.xml")).interfaces().getFirst();
        DomainXml target = DomainXml.parse(Fixtures.domain("numa-hugepages.xml"));
        target.addInterface(bridge);
        GuestInterface moved = target.findInterface(bridge.mac().orElseThrow()).orElseThrow();
        var diff = Fixtures.identical(bridge.toXml(), moved.toXml());
        assertFalse(diff.hasDifferences(), diff::toString);
    }

    @Test
    void hostdevsAreTypedAndEditable() {
        String original = Fixtures.domain("numa-hugepages.xml");
        DomainXml domain = DomainXml.parse(original);
        assertEquals(List.of(PciAddress.parse("0000:3b:02.4")),
                domain.hostdevs().stream().map(PciHostdev::source).toList());
        domain.addHostdev(PciHostdev.of(PciAddress.parse("0000:3b:02.5")));
        assertEquals(2, domain.hostdevs().size());
        assertThrows(IllegalArgumentException.class,
                () -> domain.addHostdev(PciHostdev.of(PciAddress.parse("0000:3b:02.5"))));
        VirtXmlValidate.assertValid(domain.toXml(), "domain");
        assertTrue(domain.removeHostdev(PciAddress.parse("0000:3b:02.5")).isPresent());
        var diff = Fixtures.identical(original, domain.toXml());
        assertFalse(diff.hasDifferences(), diff::toString);
    }

    @Test
    void rejectsNonDomainDocuments() {
        var e = assertThrows(IllegalArgumentException.class, () -> DomainXml.parse("<network><name>n</name></network>"));
        assertEquals("not a libvirt domain: root element is <network>, expected <domain>", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DomainXml.parse("<domain>"));
        var dtd = assertThrows(IllegalArgumentException.class, () -> DomainXml.parse(
                "<!DOCTYPE domain [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><domain><name>&x;</name></domain>"));
        assertTrue(dtd.getMessage().contains("DOCTYPE"), dtd.getMessage());
    }
}
