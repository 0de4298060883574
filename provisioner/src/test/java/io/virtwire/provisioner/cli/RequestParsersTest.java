package io.virtwire.provisioner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.allocation.AllocationRequest;
import io.virtwire.provisioner.libvirt.xml.VhostUserInterface;
import io.virtwire.provisioner.model.MacAddress;
import io.virtwire.provisioner.model.PciAddress;
import io.virtwire.provisioner.nic.NicRequest;
import io.virtwire.provisioner.nic.NicType;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The option rules of attach-interface, detach-interface, attach-hostdev and detach-hostdev, without picocli: plain
 * values in, a request or an INVALID_INPUT naming the problem out.
 */
class RequestParsersTest {

    private static AttachInterfaceParser.Args attach(String domain, String type) {
        AttachInterfaceParser.Args a = new AttachInterfaceParser.Args();
        a.domain = domain;
        a.typeOption = type;
        return a;
    }

    private static String invalid(Runnable r) {
        VirtwireException e = assertThrows(VirtwireException.class, r::run);
        assertEquals(VirtwireException.Kind.INVALID_INPUT, e.kind(), e.getMessage());
        return e.getMessage();
    }

    @Test
    void pfMeansVirtwirePicksTheVfWithItsSettings() {
        AttachInterfaceParser.Args a = attach("vm1", "hostdev");
        a.pf = "enp1s0f0";
        a.vlan = "42";
        a.trust = "on";
        a.mac = "52:54:00:12:34:56";
        AttachInterfaceParser.Parsed p = AttachInterfaceParser.parse(a);
        assertEquals("vm1", p.domain());
        assertTrue(p.named().isEmpty());
        assertEquals(new AllocationRequest.Vf(Optional.of("enp1s0f0"), Optional.empty(), Optional.of(MacAddress.parse("52:54:00:12:34:56")),
                Optional.of(42), Optional.of(true), Optional.empty()), p.allocation().orElseThrow());
    }

    @Test
    void virshPositionalSourceNamesTheDeviceOfEachKind() {
        AttachInterfaceParser.Args a = attach("vm1", null);
        a.typeArgument = "hostdev";
        a.sourceArgument = "0000:07:10.1";
        NicRequest.Hostdev h = (NicRequest.Hostdev) AttachInterfaceParser.parse(a).named().orElseThrow();
        assertEquals(PciAddress.parse("0000:07:10.1"), h.vf());

        AttachInterfaceParser.Args v = attach("vm1", "vhostuser");
        v.source = "/run/x/vm1.sock";
        v.mode = "server";
        NicRequest.VhostUser u = (NicRequest.VhostUser) AttachInterfaceParser.parse(v).named().orElseThrow();
        assertEquals(VhostUserInterface.Mode.SERVER, u.mode());

        AttachInterfaceParser.Args d = attach("vm1", "vdpa");
        AttachInterfaceParser.Parsed picked = AttachInterfaceParser.parse(d);
        assertEquals(NicType.vdpa, picked.type());
        assertTrue(picked.allocation().orElseThrow() instanceof AllocationRequest.Vdpa);
    }

    @Test
    void withDomainXmlTheTypeAndSourceMoveUpOnePositionAndTheDomainCheckSeesNone() {
        AttachInterfaceParser.Args a = attach("hostdev", null);
        a.typeArgument = "0000:07:10.1";
        a.file = true;
        List<String> seen = new ArrayList<>();
        Consumer<String> check = seen::add;
        AttachInterfaceParser.Parsed p = AttachInterfaceParser.parse(a, check);
        assertEquals(null, p.domain());
        assertEquals(java.util.Arrays.asList((String) null), seen);
        assertEquals(NicType.hostdev, p.type());
    }

    @Test
    void optionsThatDoNotGoTogetherAreRefusedNamingThem() {
        AttachInterfaceParser.Args both = attach("vm1", "hostdev");
        both.pf = "enp1s0f0";
        both.vf = "0000:07:10.1";
        assertTrue(invalid(() -> AttachInterfaceParser.parse(both)).contains("give one of --vf"));

        AttachInterfaceParser.Args trunk = attach("vm1", "hostdev");
        trunk.pf = "enp1s0f0";
        trunk.vlan = "10,20";
        assertTrue(invalid(() -> AttachInterfaceParser.parse(trunk)).contains("is a trunk"));

        AttachInterfaceParser.Args trustNamed = attach("vm1", "hostdev");
        trustNamed.vf = "0000:07:10.1";
        trustNamed.trust = "on";
        assertTrue(invalid(() -> AttachInterfaceParser.parse(trustNamed)).contains("--trust and --spoofchk apply to --type hostdev with --pf"));

        AttachInterfaceParser.Args badTrust = attach("vm1", "hostdev");
        badTrust.pf = "enp1s0f0";
        badTrust.trust = "maybe";
        assertTrue(invalid(() -> AttachInterfaceParser.parse(badTrust)).contains("invalid --trust 'maybe': expected on or off"));

        AttachInterfaceParser.Args modelPicked = attach("vm1", "vhostuser");
        modelPicked.model = "virtio";
        assertTrue(invalid(() -> AttachInterfaceParser.parse(modelPicked)).contains("apply to a device you name"));

        AttachInterfaceParser.Args filePicked = attach("vm1", "vdpa");
        filePicked.file = true;
        assertTrue(invalid(() -> AttachInterfaceParser.parse(filePicked)).contains("--domain-xml edits a file"));

        AttachInterfaceParser.Args vlanSocket = attach("vm1", "vhostuser");
        vlanSocket.vlan = "7";
        assertTrue(invalid(() -> AttachInterfaceParser.parse(vlanSocket)).contains("--vlan applies to --type hostdev"));

        AttachInterfaceParser.Args tooManyQueues = attach("vm1", "vhostuser");
        tooManyQueues.queues = "200";
        assertTrue(invalid(() -> AttachInterfaceParser.parse(tooManyQueues)).contains("more than a virtwire forwarder port serves"));

        AttachInterfaceParser.Args noSource = attach("vm1", "hostdev");
        assertTrue(invalid(() -> AttachInterfaceParser.parse(noSource)).contains("--type hostdev needs --vf PCI"));

        AttachInterfaceParser.Args disagree = attach("vm1", "hostdev");
        disagree.sourceArgument = "0000:07:10.1";
        disagree.typeArgument = "hostdev";
        disagree.typeOption = null;
        disagree.vf = "0000:07:10.2";
        assertTrue(invalid(() -> AttachInterfaceParser.parse(disagree)).contains("disagree"));
    }

    @Test
    void detachInterfaceTakesVirshsTypeAndAMac() {
        DetachInterfaceParser.Parsed p = DetachInterfaceParser.parse("vm1", "hostdev", null, "52:54:00:00:00:01", false, d -> {
        });
        assertEquals(Optional.of("hostdev"), p.type());
        assertEquals(MacAddress.parse("52:54:00:00:00:01"), p.mac());
        DetachInterfaceParser.Parsed file = DetachInterfaceParser.parse("vdpa", null, null, "52:54:00:00:00:01", true, d -> {
        });
        assertEquals(null, file.domain());
        assertEquals(Optional.of("vdpa"), file.type());
        assertTrue(invalid(() -> DetachInterfaceParser.parse("vm1", "bogus", null, "52:54:00:00:00:01", false, d -> {
        })).contains("invalid TYPE 'bogus'"));
        invalid(() -> DetachInterfaceParser.parse("vm1", null, null, "not-a-mac", false, d -> {
        }));
    }

    @Test
    void attachHostdevTakesAPciAddressOrPfNeverBoth() {
        HostdevParser.Attach named = HostdevParser.attach("vm1", "07:10.1", null);
        assertEquals(Optional.of(PciAddress.parse("0000:07:10.1")), named.device());
        assertEquals(Optional.empty(), named.pf());
        HostdevParser.Attach picked = HostdevParser.attach("vm1", null, "enp1s0f0");
        assertEquals(Optional.of("enp1s0f0"), picked.pf());

        assertTrue(invalid(() -> HostdevParser.attach("vm1", "0000:07:10.1", "enp1s0f0")).contains("not both"));
        assertTrue(invalid(() -> HostdevParser.attach("vm1", null, null)).contains("missing PCI"));
        assertTrue(invalid(() -> HostdevParser.attach(null, null, "enp1s0f0")).contains("missing DOMAIN"));
        assertTrue(invalid(() -> HostdevParser.attach("vm1", "enp1s0f0", null)).contains("'enp1s0f0' is not a PCI address"));
        assertTrue(invalid(() -> HostdevParser.attach("vm1", "0000:07:20.1", null)).contains("is not a PCI address"), "slot 0x20 > 0x1f");
        assertEquals(PciAddress.parse("0000:07:10.1"), HostdevParser.detach("vm1", "0000:07:10.1"));
        assertTrue(invalid(() -> HostdevParser.detach("vm1", null)).contains("missing PCI"));
    }
}
