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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class InterfaceVariantsTest {

    private static final MacAddress MAC = MacAddress.parse("52:54:00:12:34:56");

    private static void assertSimilar(String expected, String actual) {
        var diff = Fixtures.similar(expected, actual);
        assertFalse(diff.hasDifferences(), () -> diff + "\n" + actual);
    }

    @Test
    void hostdevInterfaceWithTrunkTeamingAliasAndUnknowns() {
        String xml = """
                <interface type='hostdev' managed='yes' trustGuestRxFilters='yes'>
                  <mac address='52:54:00:12:34:56'/>
                  <driver name='vfio'/>
                  <source>
                    <address type='pci' domain='0x0000' bus='0x07' slot='0x00' function='0x2'/>
                  </source>
                  <vlan trunk='yes'>
                    <tag id='42'/>
                    <tag id='47' nativeMode='tagged'/>
                  </vlan>
                  <teaming type='transient' persistent='ua-net0'/>
                  <rom bar='off'/>
                  <alias name='ua-vf0'/>
                  <address type='pci' domain='0x0000' bus='0x05' slot='0x00' function='0x0'/>
                </interface>""";
        HostdevInterface i = assertInstanceOf(HostdevInterface.class, GuestInterfaces.parse(xml));
        assertEquals(Optional.of(MAC), i.mac());
        assertEquals(PciAddress.parse("0000:07:00.2"), i.vf());
        assertTrue(i.managed());
        assertEquals(Optional.of("vfio"), i.driverName());
        assertEquals(Optional.of(VlanSpec.trunk(List.of(42, 47), 47, VlanSpec.NativeMode.TAGGED)), i.vlan());
        assertEquals("ua-net0", i.teaming().orElseThrow().persistent);
        assertEquals(Optional.of("ua-vf0"), i.alias());
        assertEquals(PciAddress.parse("0000:05:00.0"), i.guestAddress().orElseThrow().toPci());
        assertEquals("rom", i.otherElements().getFirst().getLocalName());
        assertSimilar(xml, i.toXml());
    }

    @Test
    void hostdevInterfaceBuiltFromValues() {
        HostdevInterface i = HostdevInterface.of(MAC, PciAddress.parse("0000:3b:02.3"))
                .withVlan(VlanSpec.access(100)).withTransientTeaming("ua-net0");
        assertSimilar("""
                <interface type='hostdev' managed='yes'>
                  <mac address='52:54:00:12:34:56'/>
                  <driver name='vfio'/>
                  <source><address type='pci' domain='0x0000' bus='0x3b' slot='0x02' function='0x3'/></source>
                  <vlan><tag id='100'/></vlan>
                  <teaming type='transient' persistent='ua-net0'/>
                </interface>""", i.toXml());
    }

    @Test
    void vdpaInterface() {
        String xml = """
                <interface type='vdpa'>
                  <mac address='52:54:00:12:34:56'/>
                  <source dev='/dev/vhost-vdpa-3'/>
                  <model type='virtio'/>
                  <driver queues='8' page_per_vq='on'/>
                  <target dev='vdpa0'/>
                </interface>""";
        VdpaInterface i = assertInstanceOf(VdpaInterface.class, GuestInterfaces.parse(xml));
        assertEquals("/dev/vhost-vdpa-3", i.device());
        assertEquals(Optional.of(new QueueCount(8)), i.queues());
        assertEquals(Optional.of("virtio"), i.model());
        assertSimilar(xml, i.toXml());
        assertSimilar(xml.replace("\n  <target dev='vdpa0'/>", "").replace(" page_per_vq='on'", ""),
                VdpaInterface.of(MAC, "/dev/vhost-vdpa-3", new QueueCount(8)).toXml());
    }

    @Test
    void vdpaDeviceMustBeVhostVdpaNode() {
        var e = assertThrows(IllegalArgumentException.class, () -> VdpaInterface.of(MAC, "/dev/vdpa0", null));
        assertTrue(e.getMessage().startsWith("invalid vDPA device '/dev/vdpa0'"), e.getMessage());
    }

    @Test
    void vhostUserInterfaceEveryOption() {
        String xml = """
                <interface type='vhostuser'>
                  <mac address='52:54:00:12:34:56'/>
                  <source type='unix' path='/run/virtwire/vm1-0.sock' mode='client'>
                    <reconnect enabled='yes' timeout='10'/>
                  </source>
                  <model type='virtio'/>
                  <driver queues='4' rx_queue_size='512' tx_queue_size='1024' event_idx='on'>
                    <host csum='off' gso='off' tso4='off' tso6='off' ecn='off' ufo='off' mrg_rxbuf='off'/>
                    <guest csum='off' tso4='off' tso6='off' ecn='off' ufo='off'/>
                  </driver>
                  <mtu size='9000'/>
                  <acpi index='3'/>
                </interface>""";
        VhostUserInterface i = assertInstanceOf(VhostUserInterface.class, GuestInterfaces.parse(xml));
        assertEquals(new UnixSocketPath("/run/virtwire/vm1-0.sock"), i.socketPath());
        assertEquals(VhostUserInterface.Mode.CLIENT, i.mode());
        assertEquals(Optional.of(10), i.reconnectTimeout());
        assertEquals(Optional.of(new QueueCount(4)), i.queues());
        assertEquals(Optional.of(512), i.rxQueueSize());
        assertEquals(Optional.of(1024), i.txQueueSize());
        assertEquals(Optional.of(9000), i.mtu());
        assertEquals("off", i.hostOffloads().mrgRxbuf);
        assertSimilar(xml, i.toXml());

        VhostUserInterface built = VhostUserInterface.of(MAC, new UnixSocketPath("/run/virtwire/vm1-0.sock"),
                VhostUserInterface.Mode.CLIENT, new QueueCount(4)).withReconnect(10).withRingSizes(512, 1024)
                .withMtu(9000);
        for (var o : List.of(built.hostOffloads(), built.guestOffloads())) {
            o.csum = o.tso4 = o.tso6 = o.ecn = o.ufo = "off";
        }
        built.hostOffloads().gso = "off";
        built.hostOffloads().mrgRxbuf = "off";
        assertSimilar(xml.replace(" event_idx='on'", "").replace("\n  <acpi index='3'/>", ""), built.toXml());
    }

    @Test
    void vhostUserRejectsBadValues() {
        var socket = new UnixSocketPath("/run/v.sock");
        var server = VhostUserInterface.of(MAC, socket, VhostUserInterface.Mode.SERVER, null);
        assertThrows(IllegalArgumentException.class, () -> server.withReconnect(5));
        var client = VhostUserInterface.of(MAC, socket, VhostUserInterface.Mode.CLIENT, null);
        var ring = assertThrows(IllegalArgumentException.class, () -> client.withRingSizes(300, null));
        assertEquals("invalid rx_queue_size 300: expected a power of two in 256..1024", ring.getMessage());
        assertThrows(IllegalArgumentException.class, () -> client.withRingSizes(null, 2048));
        assertThrows(IllegalArgumentException.class, () -> client.withMtu(10));
        var queues = assertThrows(IllegalArgumentException.class, () -> ((VhostUserInterface) GuestInterfaces.parse(
                "<interface type='vhostuser'><source type='unix' path='/r.sock' mode='client'/>"
                        + "<driver queues='0'/></interface>")).queues());
        assertTrue(queues.getMessage().contains("queue count 0"), queues.getMessage());
        var relative = assertThrows(IllegalArgumentException.class, () -> ((VhostUserInterface) GuestInterfaces.parse(
                "<interface type='vhostuser'><source type='unix' path='r.sock' mode='client'/></interface>"))
                .socketPath());
        assertTrue(relative.getMessage().contains("must be absolute"));
    }

    @Test
    void networkInterfaceReferencingHostdevPool() {
        String xml = """
                <interface type='network'>
                  <mac address='52:54:00:12:34:56'/>
                  <source network='vf-pool' portgroup='blue'/>
                  <vlan><tag id='12'/></vlan>
                  <virtualport type='802.1Qbh'/>
                </interface>""";
        NetworkInterface i = assertInstanceOf(NetworkInterface.class, GuestInterfaces.parse(xml));
        assertEquals("vf-pool", i.network());
        assertSimilar(xml, i.toXml());
        assertSimilar("<interface type='network'><mac address='52:54:00:12:34:56'/><source network='vf-pool'/>"
                + "</interface>", NetworkInterface.of(MAC, "vf-pool").toXml());
    }

    @Test
    void otherTypesAreKeptVerbatim() {
        String xml = """
                <interface type='bridge'>
                  <mac address='52:54:00:12:34:56'/>
                  <source bridge='br0'/>
                  <virtualport type='openvswitch'><parameters interfaceid='09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f'/></virtualport>
                  <target dev='vnet0'/>
                  <model type='virtio'/>
                  <alias name='net0'/>
                </interface>""";
        OtherInterface i = assertInstanceOf(OtherInterface.class, GuestInterfaces.parse(xml));
        assertEquals("bridge", i.type());
        assertEquals(Optional.of(MAC), i.mac());
        assertEquals(Optional.of("net0"), i.alias());
        assertEquals(Map.of("bridge", "br0"), i.sourceAttributes());
        var diff = Fixtures.identical(xml, i.toXml());
        assertFalse(diff.hasDifferences(), diff::toString);
    }

    @Test
    void comparisonUsedHereNoticesLostElementsAndAttributes() {
        String xml = "<interface type='vdpa'><source dev='/dev/vhost-vdpa-0'/><rom bar='off'/></interface>";
        assertTrue(Fixtures.similar(xml, "<interface type='vdpa'><source dev='/dev/vhost-vdpa-0'/></interface>")
                .hasDifferences());
        assertTrue(Fixtures.similar(xml, xml.replace(" bar='off'", "")).hasDifferences());
        assertFalse(Fixtures.similar(xml, "<interface type='vdpa'><rom bar='off'/><source dev='/dev/vhost-vdpa-0'/>"
                + "</interface>").hasDifferences());
    }

    @Test
    void unconvertibleValuesAreRefusedNotDropped() {
        var e = assertThrows(IllegalArgumentException.class, () -> GuestInterfaces.parse(
                "<interface type='vdpa'><source dev='/dev/vhost-vdpa-0'/><driver queues='many'/></interface>"));
        assertTrue(e.getMessage().startsWith("cannot read <interface>"), e.getMessage());
        assertTrue(e.getMessage().contains("many"), e.getMessage());
    }

    @Test
    void notAnInterface() {
        var e = assertThrows(IllegalArgumentException.class, () -> GuestInterfaces.parse("<disk type='file'/>"));
        assertEquals("expected an <interface> element, got <disk>", e.getMessage());
    }

    @Test
    void pciHostdev() {
        String xml = """
                <hostdev mode='subsystem' type='pci' managed='yes'>
                  <driver name='vfio'/>
                  <source writeFiltering='no'>
                    <address domain='0x0000' bus='0x07' slot='0x10' function='0x1'/>
                  </source>
                  <boot order='3'/>
                  <alias name='hostdev0'/>
                  <address type='pci' domain='0x0000' bus='0x06' slot='0x00' function='0x0'/>
                </hostdev>""";
        PciHostdev h = PciHostdev.parse(xml);
        assertEquals(PciAddress.parse("0000:07:10.1"), h.source());
        assertTrue(h.managed());
        assertEquals(Optional.of("hostdev0"), h.alias());
        assertSimilar(xml, h.toXml());
        assertSimilar("""
                <hostdev mode='subsystem' type='pci' managed='yes'>
                  <driver name='vfio'/>
                  <source><address domain='0x0000' bus='0x07' slot='0x10' function='0x1'/></source>
                </hostdev>""", PciHostdev.of(PciAddress.parse("0000:07:10.1")).toXml());
    }

    @Test
    void hostdevNetworkPools() {
        HostdevNetwork pf = HostdevNetwork.ofPf("vf-pool", "ens2f0");
        assertSimilar("""
                <network><name>vf-pool</name>
                  <forward mode='hostdev' managed='yes'><pf dev='ens2f0'/></forward>
                </network>""", pf.toXml());
        HostdevNetwork vfs = HostdevNetwork.ofVfs("vf-list",
                List.of(PciAddress.parse("0000:07:00.2"), PciAddress.parse("0000:07:00.3")));
        String expected = """
                <network><name>vf-list</name>
                  <forward mode='hostdev' managed='yes'>
                    <driver name='vfio'/>
                    <address type='pci' domain='0x0000' bus='0x07' slot='0x00' function='0x2'/>
                    <address type='pci' domain='0x0000' bus='0x07' slot='0x00' function='0x3'/>
                  </forward>
                </network>""";
        assertSimilar(expected, vfs.toXml());
        HostdevNetwork parsed = HostdevNetwork.parse(vfs.toXml());
        assertEquals(List.of(PciAddress.parse("0000:07:00.2"), PciAddress.parse("0000:07:00.3")), parsed.vfs());
        assertEquals("vf-list", parsed.name());
        assertTrue(parsed.managed());
        String withUnknowns = "<network><name>p</name><uuid>2a0e0a4c-4b3b-4b9c-8d2a-8f7b2b8e0c11</uuid>"
                + "<forward mode='hostdev' managed='yes'><pf dev='ens2f0'/></forward><mtu size='9000'/></network>";
        assertSimilar(withUnknowns, HostdevNetwork.parse(withUnknowns).toXml());
        var e = assertThrows(IllegalArgumentException.class,
                () -> HostdevNetwork.parse("<network><name>n</name><forward mode='nat'/></network>"));
        assertTrue(e.getMessage().contains("is not a hostdev pool"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> HostdevNetwork.ofPf("p", "this-name-is-too-long0"));
    }
}
