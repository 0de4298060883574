package io.virtwire.provisioner.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.virtwire.provisioner.host.TreeSnapshot;
import io.virtwire.provisioner.host.VirtualFunction;
import io.virtwire.provisioner.libvirt.xml.HostdevNetwork;
import io.virtwire.provisioner.model.PciAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * virtwire-cni driven as a runtime drives it (a process, CNI_* environment, config on stdin) on a fixture host whose VF
 * netdevs are real dummy links, with real network namespaces and Debian's host-local IPAM. Runs as root.
 */
class CniPluginTest {

    private static final String VF0 = "0000:02:10.1"; // enp1s0f1's VFs, in PCI order
    private static final String VF1 = "0000:02:10.5";
    private static final List<String> VFS = List.of(VF0, VF1, "0000:02:11.1", "0000:02:11.5");

    @TempDir
    Path tmp;

    private CniFixture f;

    @BeforeEach
    void setUp() {
        f = new CniFixture(tmp);
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    private ObjectNode netdevConfig() {
        ObjectNode c = f.withIpam(f.config());
        c.put("vlan", 100);
        c.put("mac", "02:00:00:00:09:01");
        c.put("trust", true);
        c.put("spoofchk", false);
        return c;
    }

    @Test
    void addCheckDelRoundTripMovesTheVfNetdevConfiguresItThroughThePfAndRestoresEverything() throws Exception {
        String ns = f.netns("a");
        String dummy = f.linkOf(VF0);
        VirtualFunction before = f.vf(VF0);
        String config = netdevConfig().toString();

        CniFixture.Run add = f.cni("ADD", "h9c1", ns, "net1", config);
        assertEquals(0, add.exit(), add.raw());
        JsonNode r = add.out();
        assertEquals("1.0.0", r.get("cniVersion").asText());
        JsonNode iface = r.get("interfaces").get(0);
        assertEquals("net1", iface.get("name").asText());
        assertEquals(ns, iface.get("sandbox").asText());
        assertEquals(VF0, iface.get("pciID").asText(), "the first free VF of " + CniFixture.PF);
        assertEquals("02:00:00:00:09:01", iface.get("mac").asText());
        String address = r.get("ips").get(0).get("address").asText();
        assertTrue(address.startsWith("10.209.9.") && address.endsWith("/24"), r.toString());
        assertEquals("10.209.9.1", r.get("ips").get(0).get("gateway").asText());

        // really moved and renamed, with the address and the MAC, and gone from the host's netns
        JsonNode link = f.linkIn(ns, "net1");
        assertNotNull(link, "net1 in " + ns);
        assertEquals("02:00:00:00:09:01", link.get("address").asText());
        assertTrue(link.get("addr_info").toString().contains(address.substring(0, address.indexOf('/'))), link.toString());
        assertTrue(CniFixture.sh("nsenter", "--net=" + ns, "ip", "route", "show", "default").contains("via 10.209.9.1 dev net1"));
        assertFalse(CniFixture.hostHas(dummy), dummy + " left the host's netns");
        // configured through the PF
        VirtualFunction vf = f.vf(VF0);
        assertEquals(100, vf.vlan());
        assertEquals("02:00:00:00:09:01", vf.mac());
        assertEquals(Boolean.TRUE, vf.trust());
        assertEquals(Boolean.FALSE, vf.spoofchk());
        // recorded as a container holder in the record VMs use
        JsonNode entry = f.record().get("allocations").get(0);
        assertEquals("container", entry.get("kind").asText());
        assertEquals(VF0, entry.get("device").asText());
        assertEquals("held", entry.get("state").asText());
        assertEquals("container:h9c1", entry.get("domain").asText());
        assertEquals("h9c1", entry.get("container").get("containerId").asText());
        assertEquals(ns, entry.get("container").get("netns").asText());
        assertEquals("net1", entry.get("container").get("ifname").asText());

        ObjectNode withPrev = netdevConfig();
        withPrev.set("prevResult", r);
        CniFixture.Run check = f.cni("CHECK", "h9c1", ns, "net1", withPrev.toString());
        assertEquals(0, check.exit(), check.raw());

        CniFixture.Run del = f.cni("DEL", "h9c1", ns, "net1", withPrev.toString());
        assertEquals(0, del.exit(), del.raw());
        assertNull(del.out(), "DEL prints nothing on success");
        assertNull(f.linkIn(ns, "net1"), "net1 left the netns");
        assertTrue(CniFixture.hostHas(dummy), dummy + " is back in the host's netns under its name");
        assertEquals(0, f.record().get("allocations").size(), f.record().toString());
        VirtualFunction after = f.vf(VF0);
        assertEquals(before.vlan(), after.vlan());
        assertEquals(before.mac(), after.mac());
        assertEquals(before.trust(), after.trust());
        assertEquals(before.spoofchk(), after.spoofchk());
        // host-local released the address
        try (var s = Files.list(tmp.resolve("ipam").resolve(f.tag + "net"))) {
            assertTrue(s.map(p -> p.getFileName().toString()).noneMatch(n -> n.startsWith("10.209.9.")), "no address left reserved");
        }

        // CHECK after DEL fails in the CNI format; DEL again succeeds (idempotent)
        CniFixture.Run checkGone = f.cni("CHECK", "h9c1", ns, "net1", withPrev.toString());
        assertEquals(CniError.CHECK_FAILED, checkGone.out().get("code").asInt(), checkGone.raw());
        assertEquals(0, f.cni("DEL", "h9c1", ns, "net1", withPrev.toString()).exit());
    }

    @Test
    void checkFailsWhenTheVfSettingsWereChangedBehindTheRecord() throws Exception {
        String ns = f.netns("k");
        CniFixture.Run add = f.cni("ADD", "h9k1", ns, "eth0", netdevConfig().toString());
        assertEquals(0, add.exit(), add.raw());
        new io.virtwire.provisioner.host.sim.SimulatedKernel(f.host).setVfVlan(CniFixture.PF, 0, 7, 0);
        ObjectNode withPrev = netdevConfig();
        withPrev.set("prevResult", add.out());
        CniFixture.Run check = f.cni("CHECK", "h9k1", ns, "eth0", withPrev.toString());
        assertEquals(1, check.exit());
        assertEquals(CniError.CHECK_FAILED, check.out().get("code").asInt());
        assertTrue(check.out().get("msg").asText().contains("vlan 7"), check.raw());
        assertEquals(0, f.cni("DEL", "h9k1", ns, "eth0", withPrev.toString()).exit());
    }

    @Test
    void checkVerifiesThePrevResultRoutesAndFailsWhenOneWasRemoved() throws Exception {
        String ns = f.netns("r");
        ObjectNode c = netdevConfig();
        var routes = ((ObjectNode) c.get("ipam")).putArray("routes");
        routes.addObject().put("dst", "0.0.0.0/0"); // no gw: via the IPAM's gateway, as the reference plugins do
        routes.addObject().put("dst", "10.99.0.0/16").put("gw", "10.209.9.254");
        CniFixture.Run add = f.cni("ADD", "h9r1", ns, "net1", c.toString());
        assertEquals(0, add.exit(), add.raw());
        assertTrue(CniFixture.sh("nsenter", "--net=" + ns, "ip", "route", "show", "default").contains("via 10.209.9.1 dev net1"),
                "a route without gw goes via the IPAM result's gateway");
        ObjectNode withPrev = c.deepCopy();
        withPrev.set("prevResult", add.out());
        assertEquals(0, f.cni("CHECK", "h9r1", ns, "net1", withPrev.toString()).exit(), "all routes in place");

        CniFixture.sh("nsenter", "--net=" + ns, "ip", "route", "del", "10.99.0.0/16");
        CniFixture.Run check = f.cni("CHECK", "h9r1", ns, "net1", withPrev.toString());
        expectError(check, CniError.CHECK_FAILED, "net1 lacks route 10.99.0.0/16 via 10.209.9.254");
        assertFalse(check.out().get("msg").asText().contains("lacks route 0.0.0.0/0"), "the default route is still there: " + check.raw());

        CniFixture.sh("nsenter", "--net=" + ns, "ip", "route", "add", "10.99.0.0/16", "via", "10.209.9.254", "dev", "net1");
        assertEquals(0, f.cni("CHECK", "h9r1", ns, "net1", withPrev.toString()).exit(), "the route is back");
        CniFixture.sh("nsenter", "--net=" + ns, "ip", "route", "del", "default");
        expectError(f.cni("CHECK", "h9r1", ns, "net1", withPrev.toString()), CniError.CHECK_FAILED, "net1 lacks route 0.0.0.0/0");
        // the same prefix via another gateway is not the route the result gave
        CniFixture.sh("nsenter", "--net=" + ns, "ip", "route", "replace", "10.99.0.0/16", "via", "10.209.9.253", "dev", "net1");
        CniFixture.sh("nsenter", "--net=" + ns, "ip", "route", "add", "default", "via", "10.209.9.1", "dev", "net1");
        expectError(f.cni("CHECK", "h9r1", ns, "net1", withPrev.toString()), CniError.CHECK_FAILED, "lacks route 10.99.0.0/16 via 10.209.9.254");

        // a prevResult route that is not a prefix is a bad config, not a failed check
        ObjectNode badPrev = withPrev.deepCopy();
        ((ObjectNode) badPrev.get("prevResult")).putArray("routes").addObject().put("dst", "example.org/16");
        expectError(f.cni("CHECK", "h9r1", ns, "net1", badPrev.toString()), CniError.INVALID_CONFIG, "'example.org/16' is not an IP prefix");
        assertEquals(0, f.cni("DEL", "h9r1", ns, "net1", withPrev.toString()).exit());
    }

    @Test
    void badInputGetsTheCniErrorFormatAndChangesNothing() throws Exception {
        String ns = f.netns("b");
        Path reservations = f.host.resolve("etc/virtwire/reserved-devices.conf");
        Files.createDirectories(reservations.getParent());
        Map<String, String> hostBefore = TreeSnapshot.of(f.host);
        List<String> linksBefore = new ArrayList<>(f.links.values());

        ObjectNode unknownPf = netdevConfig();
        unknownPf.put("pf", "enp9s9");
        expectError(f.cni("ADD", "h9b1", ns, "net1", unknownPf.toString()), CniError.UNKNOWN_PF, "unknown PF 'enp9s9'");

        expectError(f.cni("ADD", "h9b1", "/var/run/netns/" + f.tag + "nope", "net1", netdevConfig().toString()), CniError.INVALID_ENV,
                "does not exist");
        expectError(f.cni("ADD", "h9b1", ns, null, netdevConfig().toString()), CniError.INVALID_ENV, "CNI_IFNAME is not set");

        ObjectNode badVlan = netdevConfig();
        badVlan.put("vlan", 5000);
        expectError(f.cni("ADD", "h9b1", ns, "net1", badVlan.toString()), CniError.INVALID_CONFIG, "'vlan' must be an integer 0..4094");
        ObjectNode typo = netdevConfig();
        typo.put("vlna", 5);
        expectError(f.cni("ADD", "h9b1", ns, "net1", typo.toString()), CniError.INVALID_CONFIG, "unknown key 'vlna'");
        ObjectNode badMode = netdevConfig();
        badMode.put("mode", "macvlan");
        expectError(f.cni("ADD", "h9b1", ns, "net1", badMode.toString()), CniError.INVALID_CONFIG, "'mode' must be netdev or vfio");
        expectError(f.cni("ADD", "h9b1", ns, "net1", "{\"cniVersion\": "), CniError.DECODING, "not JSON");
        ObjectNode old = netdevConfig();
        old.put("cniVersion", "0.3.1");
        expectError(f.cni("ADD", "h9b1", ns, "net1", old.toString()), CniError.INCOMPATIBLE_VERSION, "cniVersion 0.3.1 is not supported");
        ObjectNode noIpamPlugin = netdevConfig();
        ((ObjectNode) noIpamPlugin.get("ipam")).put("type", "h9-no-such-ipam");
        expectError(f.cni("ADD", "h9b1", ns, "net1", noIpamPlugin.toString()), CniError.INVALID_CONFIG, "'h9-no-such-ipam' is not in CNI_PATH");

        // no free VF: every VF of the PF is reserved for DPDK by the host profile, so mode netdev gets none
        Files.writeString(reservations, "0000:01:00.1 dpdk\n");
        expectError(f.cni("ADD", "h9b1", ns, "net1", netdevConfig().toString()), CniError.NO_FREE_VF, "(mode vfio only)");
        Files.delete(reservations);

        // DEL of something never added: success, nothing changes
        CniFixture.Run del = f.cni("DEL", "h9never", ns, "net1", netdevConfig().toString());
        assertEquals(0, del.exit(), del.raw());

        Map<String, String> hostAfter = TreeSnapshot.of(f.host);
        assertEquals(hostBefore.keySet(), hostAfter.keySet(), "the fixture host has the same files");
        hostBefore.forEach((k, v) -> assertEquals(v, hostAfter.get(k), k + " is unchanged"));
        assertEquals(0, f.record().get("allocations").size(), f.record().toString());
        for (String l : linksBefore) {
            assertTrue(CniFixture.hostHas(l), l + " stayed in the host's netns");
        }
        assertNull(f.linkIn(ns, "net1"));
        assertFalse(Files.exists(tmp.resolve("ipam").resolve(f.tag + "net")) && hasAddress(tmp.resolve("ipam").resolve(f.tag + "net")),
                "no address reserved");
    }

    @Test
    void anAddWhoseIpamFailsAfterTheMoveIsUndoneStepByStep() throws Exception {
        String ns = f.netns("u");
        String link = f.linkOf(VF0);
        Map<String, String> hostBefore = TreeSnapshot.of(f.host);
        ObjectNode c = netdevConfig();
        ObjectNode ipam = c.putObject("ipam"); // host-local without a range fails, after the VF was configured and moved
        ipam.put("type", "host-local");
        ipam.put("dataDir", tmp.resolve("ipam").toString());
        expectError(f.cni("ADD", "h9u1", ns, "net1", c.toString()), CniError.IPAM_FAILED, "IPAM plugin");
        assertNull(f.linkIn(ns, "net1"), "the netdev left the netns again");
        assertTrue(CniFixture.hostHas(link), link + " is back in the host's netns under its name");
        assertEquals(0, f.record().get("allocations").size(), f.record().toString());
        Map<String, String> hostAfter = TreeSnapshot.of(f.host);
        hostBefore.forEach((k, v) -> assertEquals(v, hostAfter.get(k), k + " is as before (VF settings restored through the PF)"));
        assertEquals(hostBefore.keySet(), hostAfter.keySet());
    }

    private static boolean hasAddress(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith("10."));
        }
    }

    private static void expectError(CniFixture.Run run, int code, String msgPart) {
        expectError(run, code, msgPart, "1.0.0");
    }

    private static void expectError(CniFixture.Run run, int code, String msgPart, String version) {
        assertNotEquals(0, run.exit(), run.raw());
        assertNotNull(run.out(), "an error object on stdout");
        assertEquals(version, run.out().get("cniVersion").asText(), run.raw());
        assertEquals(code, run.out().get("code").asInt(), run.raw());
        assertTrue(run.out().get("msg").asText().contains(msgPart), run.raw());
    }

    @Test
    void aVfReservedForDpdkGoesToModeVfioOnlyAndDelBindsItsDriverBack() throws Exception {
        String ns = f.netns("v");
        Path reservations = f.host.resolve("etc/virtwire/reserved-devices.conf");
        Files.createDirectories(reservations.getParent());
        Files.writeString(reservations, VF0 + " dpdk\n");

        ObjectNode vfio = f.config();
        vfio.put("mode", "vfio");
        vfio.put("vlan", 200);
        CniFixture.Run add = f.cni("ADD", "h9d1", ns, "dpdk0", vfio.toString());
        assertEquals(0, add.exit(), add.raw());
        JsonNode v = add.out().get("virtwire");
        assertEquals(VF0, v.get("pciAddress").asText(), "the reserved VF goes to vfio");
        assertEquals("/dev/vfio/20", v.get("vfioDevice").asText());
        assertEquals("vfio-pci", f.vf(VF0).driver());
        assertTrue(Files.exists(f.host.resolve("dev/vfio/20")));
        assertEquals(200, f.vf(VF0).vlan());

        // mode netdev skips the reserved (and now held) VF
        CniFixture.Run net = f.cni("ADD", "h9d2", ns, "net1", f.config().toString());
        assertEquals(0, net.exit(), net.raw());
        assertEquals(VF1, net.out().get("interfaces").get(0).get("pciID").asText());

        ObjectNode withPrev = vfio.deepCopy();
        withPrev.set("prevResult", add.out());
        assertEquals(0, f.cni("CHECK", "h9d1", ns, "dpdk0", withPrev.toString()).exit());
        assertEquals(0, f.cni("DEL", "h9d1", ns, "dpdk0", withPrev.toString()).exit());
        assertEquals("igbvf", f.vf(VF0).driver(), "DEL bound the VF back to its driver");
        assertEquals(0, f.vf(VF0).vlan());
        assertEquals(0, f.cni("DEL", "h9d2", ns, "net1", f.config().toString()).exit());
        assertEquals(0, f.record().get("allocations").size());
    }

    @Test
    void aNetnsDeletedWithoutDelIsReconciledAndItsVfGoesToTheNextAdd() throws Exception {
        // one VF left for mode netdev: the others are reserved for DPDK
        Path reservations = f.host.resolve("etc/virtwire/reserved-devices.conf");
        Files.createDirectories(reservations.getParent());
        Files.writeString(reservations, String.join("", VFS.subList(1, 4).stream().map(a -> a + " dpdk\n").toList()));
        String gone = f.netns("g");
        String dummy = f.linkOf(VF0);
        ObjectNode c = f.config();
        c.put("vlan", 300);
        assertEquals(0, f.cni("ADD", "h9g1", gone, "net1", c.toString()).exit());
        String ns = f.netns("h");
        expectError(f.cni("ADD", "h9g2", ns, "net1", c.toString()), CniError.NO_FREE_VF, "held by 'container:h9g1'");

        f.deleteNetns(gone);
        // the kernel gives a physical VF netdev back to the host when its netns dies; a dummy dies instead: make it again
        io.virtwire.provisioner.host.sim.RealVfNetdevs.add(dummy);
        CniFixture.Run add = f.cni("ADD", "h9g2", ns, "net1", c.toString());
        assertEquals(0, add.exit(), add.raw());
        assertEquals(VF0, add.out().get("interfaces").get(0).get("pciID").asText());
        JsonNode all = f.record().get("allocations");
        assertEquals(1, all.size(), all.toString());
        assertEquals("h9g2", all.get(0).get("container").get("containerId").asText());
        assertEquals(0, f.cni("DEL", "h9g2", ns, "net1", c.toString()).exit());
    }

    /** A libvirt test-driver host whose networks are the given XML: what {@code libvirtUri} points the plugin at. */
    private String libvirtWith(String... networks) throws Exception {
        Path file = tmp.resolve("libvirt-" + f.tag + ".xml");
        Files.writeString(file, "<node>\n" + String.join("\n", networks) + "\n</node>\n");
        return "test://" + file.toAbsolutePath();
    }

    @Test
    void poolPicksFromTheLibvirtHostdevNetworkAsAttachInterfacePoolDoes() throws Exception {
        String ns = f.netns("p");
        // the pool names two VFs of the PF, not the first: the plugin must take the pool's, not the PF's first free VF
        String uri = libvirtWith(HostdevNetwork.ofVfs(f.tag + "pool", List.of(PciAddress.parse(VF1), PciAddress.parse("0000:02:11.1"))).toXml(),
                HostdevNetwork.ofPf(f.tag + "pf", CniFixture.PF).toXml());
        ObjectNode c = f.config();
        c.remove("pf");
        c.put("pool", f.tag + "pool");
        c.put("libvirtUri", uri);
        c.put("vlan", 120);
        CniFixture.Run first = f.cni("ADD", "h9p1", ns, "net1", c.toString());
        assertEquals(0, first.exit(), first.raw());
        assertEquals(VF1, first.out().get("interfaces").get(0).get("pciID").asText());
        assertEquals(120, f.vf(VF1).vlan(), "configured through the pool VF's PF");
        assertNotNull(f.linkIn(ns, "net1"));
        CniFixture.Run second = f.cni("ADD", "h9p2", ns, "net2", c.toString());
        assertEquals("0000:02:11.1", second.out().get("interfaces").get(0).get("pciID").asText(), second.raw());
        expectError(f.cni("ADD", "h9p3", ns, "net3", c.toString()), CniError.NO_FREE_VF, "no free VF on hostdev network '" + f.tag + "pool'");
        // a pool given as the PF (<pf dev=...>) has its other VFs
        ObjectNode byPf = c.deepCopy();
        byPf.put("pool", f.tag + "pf");
        CniFixture.Run third = f.cni("ADD", "h9p3", ns, "net3", byPf.toString());
        assertEquals(VF0, third.out().get("interfaces").get(0).get("pciID").asText(), third.raw());
        for (String[] d : List.of(new String[] {"h9p1", "net1"}, new String[] {"h9p2", "net2"}, new String[] {"h9p3", "net3"})) {
            assertEquals(0, f.cni("DEL", d[0], ns, d[1], c.toString()).exit());
        }
        assertEquals(0, f.record().get("allocations").size());
        assertEquals(0, f.vf(VF1).vlan());
    }

    @Test
    void aBadPoolGetsTheCniErrorFormatAndChangesNothing() throws Exception {
        String ns = f.netns("q");
        String uri = libvirtWith("<network><name>" + f.tag + "nat</name></network>",
                HostdevNetwork.ofPf(f.tag + "other", "enp9s9").toXml());
        Map<String, String> hostBefore = TreeSnapshot.of(f.host);
        ObjectNode c = netdevConfig();
        c.remove("pf");
        c.put("libvirtUri", uri);

        c.put("pool", f.tag + "nope");
        expectError(f.cni("ADD", "h9q1", ns, "net1", c.toString()), CniError.UNKNOWN_PF, "no network named '" + f.tag + "nope'");
        c.put("pool", f.tag + "nat");
        expectError(f.cni("ADD", "h9q1", ns, "net1", c.toString()), CniError.INVALID_CONFIG, "is not a hostdev network");
        c.put("pool", f.tag + "other");
        expectError(f.cni("ADD", "h9q1", ns, "net1", c.toString()), CniError.UNKNOWN_PF, "unknown PF 'enp9s9'");
        ObjectNode both = c.deepCopy();
        both.put("pf", CniFixture.PF);
        expectError(f.cni("ADD", "h9q1", ns, "net1", both.toString()), CniError.INVALID_CONFIG, "one of 'pf' and 'pool'");
        ObjectNode neither = c.deepCopy();
        neither.remove("pool");
        expectError(f.cni("ADD", "h9q1", ns, "net1", neither.toString()), CniError.INVALID_CONFIG, "'pf' or 'pool' is missing");
        ObjectNode noLibvirt = c.deepCopy();
        noLibvirt.put("pool", f.tag + "pf");
        noLibvirt.put("libvirtUri", "test:///" + tmp.resolve("no-such.xml"));
        expectError(f.cni("ADD", "h9q1", ns, "net1", noLibvirt.toString()), CniError.HOST_FAILED, "cannot connect to libvirt");

        Map<String, String> hostAfter = TreeSnapshot.of(f.host);
        assertEquals(hostBefore, hostAfter, "the fixture host is unchanged");
        assertEquals(0, f.record().get("allocations").size(), f.record().toString());
        assertNull(f.linkIn(ns, "net1"));
        assertFalse(Files.exists(tmp.resolve("ipam").resolve(f.tag + "net")) && hasAddress(tmp.resolve("ipam").resolve(f.tag + "net")),
                "no address reserved");
    }

    private ObjectNode v11(ObjectNode c) {
        c.put("cniVersion", "1.1.0");
        return c;
    }

    @Test
    void statusSaysWhetherAnAddWouldGetAVfAndChangesNothing() throws Exception {
        Path reservations = f.host.resolve("etc/virtwire/reserved-devices.conf");
        Files.createDirectories(reservations.getParent());
        Map<String, String> hostBefore = TreeSnapshot.of(f.host);
        CniFixture.Run ready = f.cni("STATUS", null, null, null, v11(netdevConfig()).toString());
        assertEquals(0, ready.exit(), ready.raw());
        assertNull(ready.out(), "STATUS prints nothing when ready");

        // every VF reserved for DPDK: mode netdev cannot take an ADD, mode vfio can
        Files.writeString(reservations, "0000:01:00.1 dpdk\n");
        CniFixture.Run none = f.cni("STATUS", null, null, null, v11(netdevConfig()).toString());
        expectError(none, CniError.NOT_AVAILABLE, "no free VF on PF " + CniFixture.PF + " for mode netdev", "1.1.0");
        ObjectNode vfio = v11(f.config());
        vfio.put("mode", "vfio");
        assertEquals(0, f.cni("STATUS", null, null, null, vfio.toString()).exit());
        Files.writeString(reservations, "");

        ObjectNode unknownPf = v11(netdevConfig());
        unknownPf.put("pf", "enp9s9");
        expectError(f.cni("STATUS", null, null, null, unknownPf.toString()), CniError.NOT_AVAILABLE, "unknown PF 'enp9s9'", "1.1.0");
        ObjectNode noIpam = v11(netdevConfig());
        ((ObjectNode) noIpam.get("ipam")).put("type", "h9-no-such-ipam");
        expectError(f.cni("STATUS", null, null, null, noIpam.toString()), CniError.NOT_AVAILABLE, "'h9-no-such-ipam' is not in CNI_PATH", "1.1.0");
        ObjectNode typo = v11(netdevConfig());
        typo.put("vlna", 1);
        expectError(f.cni("STATUS", null, null, null, typo.toString()), CniError.INVALID_CONFIG, "unknown key 'vlna'", "1.1.0");

        // a holder whose netns is gone counts as free (ADD reconciles it), and STATUS does not reconcile it itself
        Files.writeString(reservations, String.join("", VFS.subList(1, 4).stream().map(a -> a + " dpdk\n").toList()));
        String gone = f.netns("sg");
        assertEquals(0, f.cni("ADD", "h9s1", gone, "net1", f.config().toString()).exit());
        expectError(f.cni("STATUS", null, null, null, v11(f.config()).toString()), CniError.NOT_AVAILABLE, "held by 'container:h9s1'", "1.1.0");
        f.deleteNetns(gone);
        String recordBefore = f.record().toString();
        assertEquals(0, f.cni("STATUS", null, null, null, v11(f.config()).toString()).exit(), "the gone netns' VF is free for the next ADD");
        assertEquals(recordBefore, f.record().toString(), "STATUS changed nothing in the record");
        Files.writeString(reservations, "");
        Map<String, String> hostAfter = TreeSnapshot.of(f.host);
        hostBefore.forEach((k, v) -> assertEquals(v, hostAfter.get(k), k + " is unchanged"));
    }

    @Test
    void gcFreesThisNetworksAttachmentsThatAreNotValidAndNothingElse() throws Exception {
        String ns = f.netns("c");
        ObjectNode a = v11(netdevConfig());
        ObjectNode b = v11(f.config());
        b.put("name", f.tag + "netb");
        CniFixture.Run kept = f.cni("ADD", "h9c1", ns, "net1", a.toString());
        CniFixture.Run stale = f.cni("ADD", "h9c2", ns, "net2", a.toString());
        CniFixture.Run other = f.cni("ADD", "h9c3", ns, "net3", b.toString());
        for (CniFixture.Run r : List.of(kept, stale, other)) {
            assertEquals(0, r.exit(), r.raw());
            assertEquals("1.1.0", r.out().get("cniVersion").asText(), "the result answers in the config's version");
        }
        String staleVf = stale.out().get("interfaces").get(0).get("pciID").asText();
        String staleLink = f.linkOf(staleVf);
        String staleAddress = stale.out().get("ips").get(0).get("address").asText();
        assertEquals(f.tag + "net", f.record().get("allocations").get(0).get("container").get("network").asText(), "the record keeps the network");

        // no valid-attachments list: refused, nothing freed
        expectError(f.cni("GC", null, null, null, a.toString()), CniError.INVALID_CONFIG, "GC needs 'cni.dev/valid-attachments'", "1.1.0");
        assertEquals(3, f.record().get("allocations").size());

        ObjectNode gc = a.deepCopy();
        gc.putArray("cni.dev/valid-attachments").addObject().put("containerID", "h9c1").put("ifname", "net1");
        CniFixture.Run run = f.cni("GC", null, null, null, gc.toString());
        assertEquals(0, run.exit(), run.raw());
        assertNull(run.out(), "GC prints nothing on success");
        JsonNode left = f.record().get("allocations");
        assertEquals(2, left.size(), left.toString());
        assertTrue(left.toString().contains("\"h9c1\"") && left.toString().contains("\"h9c3\""), "kept: the valid one and network b's: " + left);
        assertNull(f.linkIn(ns, "net2"), "the stale attachment's netdev left the netns");
        assertTrue(CniFixture.hostHas(staleLink), staleLink + " is back on the host under its name");
        assertEquals(0, f.vf(staleVf).vlan(), "its VF settings are restored");
        assertNotNull(f.linkIn(ns, "net1"), "the valid attachment is untouched");
        assertNotNull(f.linkIn(ns, "net3"), "network b's attachment is untouched");
        try (var files = Files.list(tmp.resolve("ipam").resolve(f.tag + "net"))) {
            assertTrue(files.map(p -> p.getFileName().toString()).noneMatch(n -> n.equals(staleAddress.substring(0, staleAddress.indexOf('/')))),
                    "host-local released " + staleAddress);
        }
        // GC again: nothing more to free
        assertEquals(0, f.cni("GC", null, null, null, gc.toString()).exit());
        assertEquals(2, f.record().get("allocations").size());
        assertEquals(0, f.cni("DEL", "h9c1", ns, "net1", a.toString()).exit());
        assertEquals(0, f.cni("DEL", "h9c3", ns, "net3", b.toString()).exit());
    }

    @Test
    void versionPrintsTheSupportedVersions() {
        CniFixture.Run v = CniFixture.run(Map.of("CNI_COMMAND", "VERSION"), "{\"cniVersion\":\"1.0.0\"}");
        assertEquals(0, v.exit(), v.raw());
        assertEquals("[\"1.0.0\",\"1.1.0\"]", v.out().get("supportedVersions").toString());
        assertEquals("1.1.0", v.out().get("cniVersion").asText());
        CniFixture.Run bad = CniFixture.run(Map.of("CNI_COMMAND", "FROB"), "{}");
        assertEquals(CniError.INVALID_ENV, bad.out().get("code").asInt(), bad.raw());
    }
}
