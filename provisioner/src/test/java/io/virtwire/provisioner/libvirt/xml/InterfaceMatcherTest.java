package io.virtwire.provisioner.libvirt.xml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtwire.provisioner.model.MacAddress;
import io.virtwire.provisioner.model.PciAddress;
import io.virtwire.provisioner.model.QueueCount;
import io.virtwire.provisioner.model.UnixSocketPath;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class InterfaceMatcherTest {

    private static final MacAddress MAC = MacAddress.parse("52:54:00:12:34:56");

    @Test
    void vhostUserMatchesLiveDeviceDespiteLibvirtAdditions() {
        var wanted = VhostUserInterface.of(MAC, new UnixSocketPath("/run/v/a.sock"), VhostUserInterface.Mode.CLIENT,
                new QueueCount(2));
        var live = GuestInterfaces.parse("""
                <interface type='vhostuser'>
                  <mac address='52:54:00:12:34:56'/>
                  <source type='unix' path='/run/v/a.sock' mode='client'/>
                  <target dev='vhost-user0'/>
                  <model type='virtio'/>
                  <driver queues='2' rx_queue_size='1024'/>
                  <alias name='net3'/>
                  <address type='pci' domain='0x0000' bus='0x07' slot='0x00' function='0x0'/>
                </interface>""");
        assertTrue(InterfaceMatcher.like(wanted).matches(live));
        var otherPath = VhostUserInterface.of(MAC, new UnixSocketPath("/run/v/b.sock"),
                VhostUserInterface.Mode.CLIENT, null);
        assertFalse(InterfaceMatcher.like(otherPath).matches(live));
    }

    @Test
    void typeMacAndSourceMustAgree() {
        var vf = HostdevInterface.of(MAC, PciAddress.parse("0000:07:00.2"));
        assertTrue(InterfaceMatcher.like(vf).matches(HostdevInterface.of(MAC, PciAddress.parse("0000:07:00.2"))));
        assertFalse(InterfaceMatcher.like(vf).matches(HostdevInterface.of(MAC, PciAddress.parse("0000:07:00.3"))));
        assertFalse(InterfaceMatcher.like(vf).matches(
                HostdevInterface.of(MacAddress.parse("52:54:00:12:34:57"), PciAddress.parse("0000:07:00.2"))));
        assertFalse(InterfaceMatcher.like(vf).matches(VdpaInterface.of(MAC, "/dev/vhost-vdpa-0", null)));
        assertFalse(InterfaceMatcher.like(VdpaInterface.of(MAC, "/dev/vhost-vdpa-0", null))
                .matches(VdpaInterface.of(MAC, "/dev/vhost-vdpa-1", null)));
    }

    @Test
    void wantedWithoutMacMatchesBySourceOnly() {
        var anyMac = NetworkInterface.of(null, "vf-pool");
        assertTrue(InterfaceMatcher.like(anyMac).matches(NetworkInterface.of(MAC, "vf-pool")));
        assertFalse(InterfaceMatcher.like(anyMac).matches(NetworkInterface.of(MAC, "other-pool")));
    }

    @Test
    void poolInterfaceMatchesTheVfLibvirtPickedByMac() {
        var wanted = NetworkInterface.of(MAC, "vf-pool");
        assertTrue(InterfaceMatcher.like(wanted).matches(HostdevInterface.of(MAC, PciAddress.parse("0000:07:00.4"))));
        assertFalse(InterfaceMatcher.like(wanted).matches(
                HostdevInterface.of(MacAddress.parse("52:54:00:12:34:57"), PciAddress.parse("0000:07:00.4"))));
        assertFalse(InterfaceMatcher.like(NetworkInterface.of(null, "vf-pool"))
                .matches(HostdevInterface.of(MAC, PciAddress.parse("0000:07:00.4"))));
    }

    @Test
    void otherTypesCompareTheWantedSourceAttributes() {
        var wanted = GuestInterfaces.parse(
                "<interface type='bridge'><mac address='52:54:00:12:34:56'/><source bridge='br0'/></interface>");
        var live = GuestInterfaces.parse("<interface type='bridge'><mac address='52:54:00:12:34:56'/>"
                + "<source bridge='br0' portid='2c3e'/><target dev='vnet7'/><alias name='net0'/></interface>");
        assertTrue(InterfaceMatcher.like(wanted).matches(live));
        var otherBridge = GuestInterfaces.parse(
                "<interface type='bridge'><mac address='52:54:00:12:34:56'/><source bridge='br1'/></interface>");
        assertFalse(InterfaceMatcher.like(otherBridge).matches(live));
    }

    @Test
    void findsTheLiveInterfaceInADomain() {
        DomainXml live = DomainXml.parse(Fixtures.domain("live-dump.xml"));
        var wanted = VdpaInterface.of(MacAddress.parse("52:54:00:dd:00:02"), "/dev/vhost-vdpa-0", null);
        GuestInterface found = live.findInterface(InterfaceMatcher.like(wanted)).orElseThrow();
        assertEquals(Optional.of("net1"), found.alias());
    }
}
