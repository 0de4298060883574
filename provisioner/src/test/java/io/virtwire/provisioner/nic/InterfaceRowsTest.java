package io.virtwire.provisioner.nic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtwire.provisioner.libvirt.xml.DomainXml;
import io.virtwire.provisioner.libvirt.xml.GuestInterfaces;
import io.virtwire.provisioner.libvirt.xml.LibvirtXml;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

/**
 * domiflist's DOM reader (start-up without JAXB, docs/benchmarks.md) gives exactly the row of the JAXB path for every
 * interface it takes, takes the plain ones, and declines what JAXB reads differently or refuses.
 */
class InterfaceRowsTest {

    private static final String MAC = "<mac address='52:54:00:AA:bb:01'/>";

    /** Plain interfaces as libvirt writes them: the DOM reader must take each. */
    private static final List<String> PLAIN = List.of(
            "<interface type='network'>" + MAC + "<source network='default'/><target dev='testnet0'/>"
                    + "<address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/></interface>",
            "<interface type='network'><source network='default' portid='x'/><model type='virtio'/><alias name='net0'/></interface>",
            "<interface type='network'><mac address='52:54:00:00:00:01'/><target dev=''/></interface>",
            "<interface type='hostdev' managed='yes'>" + MAC + "<driver name='vfio'/><source><address type='pci' domain='0x0000' "
                    + "bus='0x03' slot='0x10' function='0x2'/></source><vlan><tag id='42'/></vlan><teaming type='transient' persistent='ua-x'/>"
                    + "<alias name='hostdev0'/></interface>",
            "<interface type='hostdev'><source><address domain='0x0000' bus='0x03' slot='0x10' function='0x2'/></source></interface>",
            "<interface type='vdpa'>" + MAC + "<source dev='/dev/vhost-vdpa-0'/><model type='virtio'/><driver queues='4'/>"
                    + "<target dev='vdpa0'/></interface>",
            "<interface type='vdpa'><source/></interface>",
            "<interface type='vhostuser'>" + MAC + "<source type='unix' path='/run/virtwire/vm1-0.sock' mode='server'>"
                    + "<reconnect enabled='yes' timeout='10'/></source><model type='virtio'/>"
                    + "<driver queues='2' rx_queue_size='1024' tx_queue_size='512'><host csum='off'/></driver><mtu size='9000'/>"
                    + "<target dev='vhost-user1'/><alias name='ua-net'/><rom enabled='no'/></interface>",
            "<interface type='vhostuser'><source type='unix' path='/tmp/s' mode='client'/>\n  <!-- a comment -->\n</interface>");

    /** What the DOM reader leaves to JAXB: read differently there, refused there, or refused by a model class. */
    private static final List<String> DECLINED = List.of(
            "<interface type='vhostuser'><source type='unix' path='/tmp/s' mode='client'/><driver queues='many'/></interface>",
            "<interface type='vhostuser'><source type='unix' path='/tmp/s' mode='client'/><driver queues=' 4'/></interface>",
            "<interface type='vhostuser'><source type='unix' path='/tmp/s' mode='client'/><driver queues='4' rx_queue_size='+1'/></interface>",
            "<interface type='vhostuser'><source type='unix' path='/tmp/s' mode='client'/><mtu size='big'/></interface>",
            "<interface type='vhostuser'><source type='unix' path='/tmp/s' mode='client'><reconnect timeout='x'/></source></interface>",
            "<interface type='vhostuser'><source type='unix' path='/tmp/s' mode='sideways'/></interface>",
            "<interface type='vhostuser'><source type='unix' mode='client'/></interface>",
            "<interface type='vhostuser'><source type='unix' path='/tmp/s' mode='client'/><driver queues='999'/></interface>",
            "<interface type='hostdev'><source><address type='pci' domain='0x0000' bus='0x03' slot='0x10' function='0x2'/></source>"
                    + "<vlan><tag id='v'/></vlan></interface>",
            "<interface type='hostdev'><source><address type='ccw' cssid='0xfe'/></source></interface>",
            "<interface type='hostdev'><source/></interface>",
            "<interface type='network'><source network='a'/><source network='b'/></interface>",
            "<interface type='network'><model type='virtio'/><model type='e1000'/></interface>",
            "<interface type='network'><mac address='not-a-mac'/></interface>",
            "<interface type='network' xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance'><source xsi:nil='true'/></interface>",
            "<interface type='network' xmlns:x='urn:x'><x:target dev='other'/><target dev='t0'/></interface>",
            "<interface type='network'><source network='a'>text</source></interface>",
            "<interface type='bridge'><source bridge='br0'/><target dev='vnet0'/></interface>");

    @Test
    void takesThePlainInterfacesWithTheRowsOfTheJaxbPath() {
        for (String xml : PLAIN) {
            Element e = element(xml);
            Optional<InterfaceSummary> row = InterfaceRows.read(e);
            assertTrue(row.isPresent(), "the DOM reader declined " + xml);
            assertEquals(jaxbRow(xml), row.get(), xml);
        }
    }

    @Test
    void declinesWhatJaxbReadsDifferentlyOrRefuses() {
        for (String xml : DECLINED) {
            assertEquals(Optional.empty(), InterfaceRows.read(element(xml)), xml);
        }
    }

    /** Whole domains, through {@link InterfaceRows#of}: the rows (and a failure) are those of the JAXB path. */
    @Test
    void domainsGiveTheRowsOfTheJaxbPath() throws Exception {
        List<String> domains = new ArrayList<>();
        for (String name : List.of("foreign-namespaces", "live-dump", "numa-hugepages", "q35-many-devices")) {
            try (InputStream in = InterfaceRowsTest.class.getResourceAsStream("/domains/" + name + ".xml")) {
                domains.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        StringBuilder all = new StringBuilder("<domain type='kvm'><name>d</name><devices>");
        PLAIN.forEach(all::append);
        domains.add(all.append("</devices></domain>").toString());
        for (String one : DECLINED) {   // each alone: some fail on the JAXB path, and must fail the same way
            domains.add("<domain><name>d</name><devices>" + one + "</devices></domain>");
        }
        int rows = 0;
        for (String xml : domains) {
            assertEquals(jaxbRows(xml), outcome(() -> InterfaceRows.of(DomainXml.parse(xml))), xml);
            rows += DomainXml.parse(xml).interfaceElementCopies().size();
        }
        assertTrue(rows > 20, "interfaces compared: " + rows);
        // a bad interface after a good one: the same failure as the JAXB path
        String bad = "<domain><name>d</name><devices>" + PLAIN.get(0) + DECLINED.get(0) + "</devices></domain>";
        assertEquals(jaxbRows(bad), outcome(() -> InterfaceRows.of(DomainXml.parse(bad))));
        assertTrue(jaxbRows(bad).startsWith("failed: "), jaxbRows(bad));
    }

    private static String jaxbRows(String domainXml) {
        return outcome(() -> DomainXml.parse(domainXml).interfaces().stream().map(InterfaceSummary::of).toList());
    }

    private static String outcome(java.util.function.Supplier<List<InterfaceSummary>> rows) {
        try {
            return rows.get().toString();
        } catch (RuntimeException e) {
            return "failed: " + e.getClass().getName() + ": " + e.getMessage();
        }
    }

    private static InterfaceSummary jaxbRow(String xml) {
        return InterfaceSummary.of(GuestInterfaces.parse(xml));
    }

    private static Element element(String xml) {
        return LibvirtXml.parseDocument(xml).getDocumentElement();
    }
}
