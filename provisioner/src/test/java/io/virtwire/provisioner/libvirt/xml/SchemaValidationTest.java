package io.virtwire.provisioner.libvirt.xml;

import io.virtwire.provisioner.model.MacAddress;
import io.virtwire.provisioner.model.PciAddress;
import io.virtwire.provisioner.model.QueueCount;
import io.virtwire.provisioner.model.UnixSocketPath;
import io.virtwire.provisioner.model.VlanSpec;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Everything we render, checked against the installed libvirt's RNG schemas with virt-xml-validate. */
class SchemaValidationTest {

    private static final String MINIMAL = """
            <domain type='kvm'>
              <name>schema-check</name>
              <memory unit='MiB'>1024</memory>
              <os>
                <type arch='x86_64' machine='q35'>hvm</type>
              </os>
              <devices>
                <emulator>/usr/bin/qemu-system-x86_64</emulator>
              </devices>
            </domain>
            """;

    private static MacAddress mac(int last) {
        return MacAddress.parse(String.format("52:54:00:00:01:%02x", last));
    }

    static Stream<Arguments> interfaces() {
        VhostUserInterface full = VhostUserInterface.of(mac(5), new UnixSocketPath("/run/virtwire/vm-5.sock"),
                VhostUserInterface.Mode.CLIENT, new QueueCount(8)).withReconnect(10).withRingSizes(1024, 1024)
                .withMtu(9000);
        full.hostOffloads().csum = "off";
        full.hostOffloads().gso = "off";
        full.hostOffloads().tso4 = "off";
        full.hostOffloads().tso6 = "off";
        full.hostOffloads().ecn = "off";
        full.hostOffloads().ufo = "off";
        full.hostOffloads().mrgRxbuf = "off";
        full.guestOffloads().csum = "off";
        full.guestOffloads().tso4 = "off";
        full.guestOffloads().tso6 = "off";
        full.guestOffloads().ecn = "off";
        full.guestOffloads().ufo = "off";
        HostdevInterface withAddress = HostdevInterface.of(mac(9), PciAddress.parse("0000:07:00.6"));
        withAddress.setGuestPciAddress(PciAddress.parse("0000:01:00.0"));
        return Stream.of(
                Arguments.of("hostdev", HostdevInterface.of(mac(1), PciAddress.parse("0000:07:00.2"))),
                Arguments.of("hostdev access vlan", HostdevInterface.of(mac(2), PciAddress.parse("0000:07:00.3"))
                        .withVlan(VlanSpec.access(4094))),
                Arguments.of("hostdev trunk native untagged", HostdevInterface.of(mac(3), PciAddress.parse("0000:07:00.4"))
                        .withVlan(VlanSpec.trunk(List.of(10, 20, 30), 10, VlanSpec.NativeMode.UNTAGGED))),
                Arguments.of("hostdev teaming", HostdevInterface.of(mac(4), PciAddress.parse("0000:07:00.5"))
                        .withTransientTeaming("ua-net0")),
                Arguments.of("hostdev guest address", withAddress),
                Arguments.of("vdpa", VdpaInterface.of(mac(6), "/dev/vhost-vdpa-0", new QueueCount(4))),
                Arguments.of("vhostuser minimal", VhostUserInterface.of(mac(7), new UnixSocketPath("/run/v.sock"),
                        VhostUserInterface.Mode.SERVER, null)),
                Arguments.of("vhostuser all options", full),
                Arguments.of("network pool", NetworkInterface.of(mac(8), "vf-pool")),
                Arguments.of("network with model", NetworkInterface.of(null, "default").withModel("virtio")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("interfaces")
    void renderedInterfaceIsValidInADomain(String name, GuestInterface iface) {
        DomainXml domain = DomainXml.parse(MINIMAL);
        domain.addInterface(iface);
        if (iface instanceof VhostUserInterface) {
            domain.ensureSharedMemory();
        }
        VirtXmlValidate.assertValid(domain.toXml(), "domain");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("interfaces")
    void deviceXmlParsesBackToTheSameVariant(String name, GuestInterface iface) {
        GuestInterface again = GuestInterfaces.parse(iface.toXml());
        org.junit.jupiter.api.Assertions.assertEquals(iface.getClass(), again.getClass());
        var diff = Fixtures.identical(iface.toXml(), again.toXml());
        org.junit.jupiter.api.Assertions.assertFalse(diff.hasDifferences(), diff::toString);
    }

    @Test
    void plainPciHostdevIsValid() {
        DomainXml domain = DomainXml.parse(MINIMAL);
        domain.addHostdev(PciHostdev.of(PciAddress.parse("0000:3b:02.1")));
        VirtXmlValidate.assertValid(domain.toXml(), "domain");
    }

    @Test
    void hostdevPoolByPfIsAValidNetwork() {
        VirtXmlValidate.assertValid(HostdevNetwork.ofPf("vf-pool", "ens2f0").toXml(), "network");
    }

    @Test
    void hostdevPoolByVfListIsAValidNetwork() {
        VirtXmlValidate.assertValid(HostdevNetwork.ofVfs("vf-list",
                List.of(PciAddress.parse("0000:07:00.2"), PciAddress.parse("0000:07:00.3"))).toXml(), "network");
    }
}
