package io.virtwire.provisioner.cli;

import static io.virtwire.provisioner.cli.CliRunner.json;
import static io.virtwire.provisioner.cli.CliRunner.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.virtwire.templates.VirtXmlValidator;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** virsh's own spellings (issue 19, "virsh forms") against libvirt's test driver and the bundled fixture hosts. */
class VirshFormsTest {

    private static final String VM = "virsh-vm1";

    private final VirtXmlValidator validator = new VirtXmlValidator();
    private SharedTestConnection libvirt;
    private CliRunner cli;

    @TempDir
    Path tmp;

    @BeforeEach
    void defineDomain() {
        libvirt = new SharedTestConnection();
        cli = new CliRunner(libvirt.module()).env("LIBVIRT_DEFAULT_URI", "test:///default");
        ok(cli.run("define-domain", "--template", "vhostuser-memfd", "--name", VM, "--virt-type", "qemu", "--memory", "256MiB"));
    }

    @AfterEach
    void close() {
        if (libvirt.gateway().domainNames().contains(VM)) {
            libvirt.gateway().undefine(VM);
        }
        libvirt.close();
    }

    private String config() {
        return libvirt.gateway().domainXml(VM, true);
    }

    @Test
    void positionalTypeAndSourceAttachEveryKindWithModelTargetAliasAndManaged() throws Exception {
        JsonNode h = json(cli, "attach-interface", VM, "hostdev", "0000:07:10.1", "--mac", "52:54:00:19:00:01", "--alias", "ua-vf1",
                "--no-managed", "--config");
        assertTrue(h.get("changed").asBoolean(), h.toString());
        ok(cli.run("attach-interface", VM, "vhostuser", "/run/virtwire/virsh-0.sock", "--source-mode", "server", "--mac", "52:54:00:19:00:02",
                "--model", "virtio-transitional", "--target", "vwvirsh0", "--alias", "ua-vu1", "--config"));
        ok(cli.run("attach-interface", VM, "vdpa", "/dev/vhost-vdpa-2", "--mac", "52:54:00:19:00:03", "--config"));
        // virsh's own flag form: --type hostdev --source PCI, and --managed
        ok(cli.run("attach-interface", VM, "--type", "hostdev", "--source", "0000:07:10.2", "--mac", "52:54:00:19:00:04", "--managed", "--config"));

        JsonNode ifs = json(cli, "domiflist", VM).get("interfaces");
        assertEquals(4, ifs.size(), ifs.toString());
        assertEquals("0000:07:10.1", ifs.get(0).get("source").asText());
        assertEquals("ua-vf1", ifs.get(0).get("alias").asText());
        assertEquals("/run/virtwire/virsh-0.sock", ifs.get(1).get("source").asText());
        assertEquals("server", ifs.get(1).get("mode").asText());
        assertEquals("virtio-transitional", ifs.get(1).get("model").asText());
        assertEquals("ua-vu1", ifs.get(1).get("alias").asText());
        assertEquals("/dev/vhost-vdpa-2", ifs.get(2).get("source").asText());
        assertEquals("0000:07:10.2", ifs.get(3).get("source").asText());

        String xml = config();
        assertTrue(xml.contains("<target dev='vwvirsh0'/>"), xml);
        assertTrue(xml.contains("<model type='virtio-transitional'/>"), xml);
        // --no-managed leaves managed out (virsh without --managed); --managed and the default write managed='yes'
        assertTrue(xml.contains("<interface type='hostdev'>"), xml);
        assertTrue(xml.contains("<interface type='hostdev' managed='yes'>"), xml);
        VirtXmlValidator.Result valid = validator.validate(xml, "domain");
        assertTrue(valid.valid(), valid.output() + "\n" + xml);
    }

    @Test
    void aPositionalAndAFlagThatDisagreeAreRefusedNamingBoth() {
        String before = config();
        String[][] clashes = {
                {"attach-interface", VM, "hostdev", "0000:07:10.1", "--vf", "0000:07:10.2"},
                {"attach-interface", VM, "hostdev", "0000:07:10.1", "--source", "0000:07:10.3"},
                {"attach-interface", VM, "vdpa", "/dev/vhost-vdpa-0", "--type", "hostdev"},
                {"attach-interface", VM, "vdpa", "/dev/vhost-vdpa-0", "--dev", "/dev/vhost-vdpa-1"},
        };
        String[][] named = {{"SOURCE '0000:07:10.1'", "--vf '0000:07:10.2'"}, {"SOURCE '0000:07:10.1'", "--source '0000:07:10.3'"},
                {"TYPE 'vdpa'", "--type 'hostdev'"}, {"SOURCE '/dev/vhost-vdpa-0'", "--dev '/dev/vhost-vdpa-1'"}};
        for (int i = 0; i < clashes.length; i++) {
            CliRunner.Result r = cli.run(clashes[i]);
            assertEquals(ExitCode.INVALID_INPUT, r.exitCode(), r.toString());
            assertTrue(r.err().contains(named[i][0]) && r.err().contains(named[i][1]), r.err());
        }
        // agreeing forms are fine
        ok(cli.run("attach-interface", VM, "vdpa", "/dev/vhost-vdpa-0", "--type", "vdpa", "--dev", "/dev/vhost-vdpa-0", "--config"));
        assertTrue(config().contains("/dev/vhost-vdpa-0") && !before.contains("/dev/vhost-vdpa-0"));
    }

    @Test
    void badDecorationsAreRefusedAndChangeNothing() {
        String before = config();
        String[][] bad = {
                {"attach-interface", VM, "vdpa", "/dev/vhost-vdpa-0", "--alias", "net7"},
                {"attach-interface", VM, "vdpa", "/dev/vhost-vdpa-0", "--target", "vnet3"},
                {"attach-interface", VM, "vdpa", "/dev/vhost-vdpa-0", "--target", "a/b"},
                {"attach-interface", VM, "vdpa", "/dev/vhost-vdpa-0", "--model", "virtio net"},
                {"attach-interface", VM, "vdpa", "/dev/vhost-vdpa-0", "--managed"},
                {"attach-interface", VM, "bridge", "br0"},
                {"attach-interface", VM},
        };
        for (String[] args : bad) {
            CliRunner.Result r = cli.run(args);
            assertEquals(ExitCode.INVALID_INPUT, r.exitCode(), r.toString());
        }
        assertTrue(cli.run("attach-interface", VM, "bridge", "br0").err().contains("virsh attach-interface"));
        assertEquals(before, config());
    }

    @Test
    void persistentMeansConfigAndLiveWhenTheDomainRuns() throws Exception {
        JsonNode off = json(cli, "attach-interface", VM, "--type", "vdpa", "--dev", "/dev/vhost-vdpa-4", "--persistent");
        assertEquals("config", off.get("scope").asText(), "shut off: --persistent is --config");
        // the driver's own domain "test" runs and the test driver cannot hotplug: --persistent must try the live
        // domain (and fail as --live does), where --config alone would only edit the definition
        String testBefore = libvirt.gateway().domainXml("test", true);
        CliRunner.Result live = cli.run("attach-interface", "test", "--type", "vdpa", "--dev", "/dev/vhost-vdpa-5", "--persistent");
        assertEquals(ExitCode.LIBVIRT_ERROR, live.exitCode(), live.toString());
        assertTrue(live.err().contains("running domain"), live.err());
        assertEquals(testBefore, libvirt.gateway().domainXml("test", true));
        CliRunner.Result both = cli.run("attach-interface", VM, "--type", "vdpa", "--dev", "/dev/vhost-vdpa-4", "--persistent", "--current");
        assertEquals(ExitCode.INVALID_INPUT, both.exitCode(), both.toString());
        // detach too: "test" has a NIC with MAC aa:bb:cc:dd:ee:ff; --persistent asks for config+live (which the test driver
        // cannot do live) instead of editing only the definition
        CliRunner.Result detachLive = cli.run("detach-interface", "test", "--mac", "aa:bb:cc:dd:ee:ff", "--persistent");
        assertEquals(ExitCode.LIBVIRT_ERROR, detachLive.exitCode(), detachLive.toString());
        assertTrue(detachLive.err().contains("config+live"), detachLive.err());
        assertEquals(testBefore, libvirt.gateway().domainXml("test", true));
    }

    @Test
    void detachTakesVirshsPositionalTypeOrTypeFlag() throws Exception {
        ok(cli.run("attach-interface", VM, "vdpa", "/dev/vhost-vdpa-0", "--mac", "52:54:00:19:00:10", "--config"));
        ok(cli.run("attach-interface", VM, "hostdev", "0000:07:10.1", "--mac", "52:54:00:19:00:11", "--config"));
        CliRunner.Result wrongType = cli.run("detach-interface", VM, "hostdev", "--mac", "52:54:00:19:00:10", "--config");
        assertEquals(ExitCode.NOT_FOUND, wrongType.exitCode(), wrongType.toString());
        assertTrue(wrongType.err().contains("of type vdpa"), wrongType.err());
        assertTrue(config().contains("52:54:00:19:00:10"), "a refused detach changes nothing");
        CliRunner.Result bogus = cli.run("detach-interface", VM, "nic", "--mac", "52:54:00:19:00:10");
        assertEquals(ExitCode.INVALID_INPUT, bogus.exitCode(), bogus.toString());

        JsonNode d = json(cli, "detach-interface", VM, "vdpa", "--mac", "52:54:00:19:00:10", "--config");
        assertTrue(d.get("changed").asBoolean());
        JsonNode t = json(cli, "detach-interface", VM, "--type", "hostdev", "--mac", "52:54:00:19:00:11", "--persistent");
        assertTrue(t.get("changed").asBoolean());
        assertEquals(0, json(cli, "domiflist", VM).get("interfaces").size());
    }

    @Test
    void positionalFormsWorkOnADomainXmlFileWithoutADomainName() throws Exception {
        Path file = tmp.resolve("virsh-vm1.xml");
        Files.writeString(file, config());
        ok(cli.run("attach-interface", "hostdev", "0000:07:10.1", "--mac", "52:54:00:19:00:20", "--alias", "ua-f1",
                "--domain-xml", file.toString(), "--in-place"));
        JsonNode ifs = json(cli, "domiflist", "--domain-xml", file.toString()).get("interfaces");
        assertEquals(1, ifs.size(), ifs.toString());
        assertEquals("0000:07:10.1", ifs.get(0).get("source").asText());
        assertEquals("ua-f1", ifs.get(0).get("alias").asText());
        CliRunner.Result wrongType = cli.run("detach-interface", "vdpa", "--mac", "52:54:00:19:00:20", "--domain-xml", file.toString(), "--in-place");
        assertEquals(ExitCode.NOT_FOUND, wrongType.exitCode(), wrongType.toString());
        ok(cli.run("detach-interface", "hostdev", "--mac", "52:54:00:19:00:20", "--domain-xml", file.toString(), "--in-place"));
        assertEquals(0, json(cli, "domiflist", "--domain-xml", file.toString()).get("interfaces").size());
        assertEquals(config(), libvirt.gateway().domainXml(VM, true), "a file edit leaves libvirt alone");
    }

    @Test
    void helpCommandPrintsTheUsageOfACommand() {
        CliRunner.Result all = ok(cli.run("help"));
        assertTrue(all.out().contains("attach-interface") && all.out().contains("help"), all.out());
        CliRunner.Result one = ok(cli.run("help", "attach-interface"));
        assertTrue(one.out().contains("Usage: virtwire attach-interface") && one.out().contains("--[no-]managed"), one.out());
        CliRunner.Result nested = ok(cli.run("help", "detach-interface"));
        assertTrue(nested.out().contains("TYPE"), nested.out());
    }

    @Test
    void hostFixtureListsAndWritesABundledHostForHostRoot() throws Exception {
        JsonNode list = json(cli, "host", "fixture", "list");
        assertEquals(io.virtwire.provisioner.host.FixtureHosts.NAMES.size(), list.get("fixtures").size(), list.toString());
        assertEquals("i350-igb-8vfs", list.get("fixtures").get(0).get("name").asText());
        assertTrue(ok(cli.run("host", "fixture", "list")).out().contains("cx6dx-switchdev"));

        Path root = tmp.resolve("virsh-host");
        JsonNode written = json(cli, "host", "fixture", "i350-igb-8vfs", root.toString());
        assertEquals(root.toString(), written.get("root").asText());
        assertTrue(Files.isSymbolicLink(root.resolve("sys/bus/pci/devices/0000:01:00.0")), "sysfs symlinks are rebuilt");
        JsonNode inv = json(cli, "--host-root", root.toString(), "host", "show");
        assertEquals("enp1s0f0", inv.path("pfs").get(0).path("netdev").asText(), inv.toString());

        CliRunner.Result again = cli.run("host", "fixture", "82599-ixgbe-aer", root.toString());
        assertEquals(ExitCode.CONFLICT, again.exitCode(), again.toString());
        assertTrue(again.err().contains("not empty"), again.err());
        assertEquals("enp1s0f0", json(cli, "--host-root", root.toString(), "host", "show").path("pfs").get(0).path("netdev").asText());

        CliRunner.Result unknown = cli.run("host", "fixture", "nosuch", tmp.resolve("virsh-none").toString());
        assertEquals(ExitCode.NOT_FOUND, unknown.exitCode(), unknown.toString());
        assertTrue(unknown.err().contains("i350-igb-8vfs"), unknown.err());
        assertFalse(Files.exists(tmp.resolve("virsh-none")));
    }
}
