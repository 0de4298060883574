package io.virtwire.provisioner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtwire.templates.VirtXmlValidator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** attach-interface / detach-interface / domiflist against libvirt's real test driver. */
class InterfaceCommandsTest {

    private final ObjectMapper json = new ObjectMapper();
    private final VirtXmlValidator validator = new VirtXmlValidator();
    private SharedTestConnection libvirt;
    private CliRunner cli;

    @BeforeEach
    void defineDomains() {
        libvirt = new SharedTestConnection();
        cli = new CliRunner(libvirt.module()).env("LIBVIRT_DEFAULT_URI", "test:///default");
        ok(cli.run("define-domain", "--template", "vhostuser-memfd", "--name", "vm1", "--virt-type", "qemu", "--memory", "256MiB"));
        ok(cli.run("define-domain", "--template", "hostdev-q35", "--name", "vm2", "--virt-type", "qemu", "--memory", "256MiB"));
    }

    @AfterEach
    void close() {
        // test:///default keeps its state for the whole JVM (shared by every connection in the process)
        for (String vm : new String[] {"vm1", "vm2"}) {
            if (libvirt.gateway().domainNames().contains(vm)) {
                libvirt.gateway().undefine(vm);
            }
        }
        libvirt.close();
    }

    private static CliRunner.Result ok(CliRunner.Result r) {
        assertEquals(0, r.exitCode(), r.toString());
        return r;
    }

    private JsonNode runJson(String... args) throws Exception {
        String[] all = new String[args.length + 2];
        all[0] = "--output";
        all[1] = "json";
        System.arraycopy(args, 0, all, 2, args.length);
        return json.readTree(ok(cli.run(all)).out());
    }

    @Test
    void attachesEachKindToThePersistentDefinitionAndListsThem() throws Exception {
        JsonNode vu = runJson("attach-interface", "vm1", "--type", "vhostuser", "--source", "/run/virtwire/vm1-0.sock", "--queues", "4",
                "--mac", "52:54:00:aa:00:01", "--config");
        assertTrue(vu.get("changed").asBoolean());
        assertEquals("config", vu.get("scope").asText());
        assertTrue(vu.get("diff").get("after").asText().contains("/run/virtwire/vm1-0.sock"));
        assertFalse(vu.get("diff").get("before").asText().contains("/run/virtwire/vm1-0.sock"));
        ok(cli.run("attach-interface", "vm1", "--type", "hostdev", "--vf", "0000:07:10.1", "--vlan", "10,20", "--mac", "52:54:00:aa:00:02", "--config"));
        ok(cli.run("attach-interface", "vm1", "--type", "vdpa", "--dev", "/dev/vhost-vdpa-3", "--queues", "2", "--config"));

        JsonNode list = runJson("domiflist", "vm1");
        assertEquals("config", list.get("source").asText());
        JsonNode ifs = list.get("interfaces");
        assertEquals(3, ifs.size(), list.toString());
        assertEquals("vhostuser", ifs.get(0).get("type").asText());
        assertEquals("/run/virtwire/vm1-0.sock", ifs.get(0).get("source").asText());
        assertEquals("client", ifs.get(0).get("mode").asText());
        assertEquals(4, ifs.get(0).get("queues").asInt());
        assertEquals("0000:07:10.1", ifs.get(1).get("source").asText());
        assertEquals("/dev/vhost-vdpa-3", ifs.get(2).get("source").asText());
        assertTrue(ifs.get(2).get("mac").asText().startsWith("52:54:00:"));

        String xml = libvirt.gateway().domainXml("vm1", true);
        VirtXmlValidator.Result valid = validator.validate(xml, "domain");
        assertTrue(valid.valid(), valid.output() + "\n" + xml);

        String text = ok(cli.run("domiflist", "vm1")).out();
        assertTrue(text.contains("vhostuser") && text.contains("/run/virtwire/vm1-0.sock (client)") && text.contains("52:54:00:aa:00:02"), text);
    }

    @Test
    void repeatingAnAttachChangesNothingAndADifferentNicWithTheSameMacConflicts() throws Exception {
        String[] attach = {"attach-interface", "vm1", "--type", "vhostuser", "--source", "/run/virtwire/a.sock", "--mac", "52:54:00:aa:00:05"};
        ok(cli.run(attach));
        JsonNode again = runJson(attach);
        assertFalse(again.get("changed").asBoolean());
        CliRunner.Result clash = cli.run("attach-interface", "vm1", "--type", "vdpa", "--dev", "/dev/vhost-vdpa-0", "--mac", "52:54:00:aa:00:05");
        assertEquals(ExitCode.CONFLICT, clash.exitCode(), clash.toString());
        assertTrue(clash.err().contains("52:54:00:aa:00:05"), clash.err());
        assertEquals(1, runJson("domiflist", "vm1").get("interfaces").size());
    }

    @Test
    void detachRemovesByMacAndUnknownMacIsNotFound() throws Exception {
        ok(cli.run("attach-interface", "vm1", "--type", "vdpa", "--dev", "/dev/vhost-vdpa-0", "--mac", "52:54:00:aa:00:07"));
        JsonNode d = runJson("detach-interface", "vm1", "--mac", "52:54:00:AA:00:07", "--config");
        assertTrue(d.get("changed").asBoolean());
        assertEquals("/dev/vhost-vdpa-0", d.get("iface").get("source").asText());
        assertEquals(0, runJson("domiflist", "vm1").get("interfaces").size());
        CliRunner.Result missing = cli.run("detach-interface", "vm1", "--mac", "52:54:00:aa:00:07");
        assertEquals(ExitCode.NOT_FOUND, missing.exitCode(), missing.toString());
    }

    @Test
    void vhostUserNeedsSharedMemoryAndFixMemoryAddsIt() throws Exception {
        CliRunner.Result refused = cli.run("attach-interface", "vm2", "--type", "vhostuser", "--source", "/run/virtwire/b.sock");
        assertEquals(ExitCode.CONFLICT, refused.exitCode(), refused.toString());
        assertTrue(refused.err().contains("--fix-memory"), refused.err());
        assertFalse(libvirt.gateway().domainXml("vm2", true).contains("vhostuser"), "refusal changed nothing");

        JsonNode fixed = runJson("attach-interface", "vm2", "--type", "vhostuser", "--source", "/run/virtwire/b.sock", "--fix-memory");
        assertTrue(fixed.get("notes").get(0).asText().contains("memfd"), fixed.toString());
        String xml = libvirt.gateway().domainXml("vm2", true);
        assertTrue(xml.contains("<source type='memfd'/>") && xml.contains("<access mode='shared'/>"), xml);
        assertTrue(validator.validate(xml, "domain").valid());
    }

    @Test
    void liveChangesNeedARunningDomainAndADriverThatHotplugs() {
        CliRunner.Result notRunning = cli.run("attach-interface", "vm1", "--type", "vdpa", "--dev", "/dev/vhost-vdpa-0", "--live");
        assertEquals(ExitCode.CONFLICT, notRunning.exitCode(), notRunning.toString());
        assertTrue(notRunning.err().contains("not running"), notRunning.err());
        // the test driver's own domain "test" runs, but the driver cannot hotplug
        CliRunner.Result noHotplug = cli.run("attach-interface", "test", "--type", "hostdev", "--vf", "0000:07:10.1", "--live");
        assertEquals(ExitCode.LIBVIRT_ERROR, noHotplug.exitCode(), noHotplug.toString());
        assertTrue(noHotplug.err().contains("--config"), noHotplug.err());
        CliRunner.Result both = cli.run("attach-interface", "vm1", "--type", "vdpa", "--dev", "/dev/vhost-vdpa-0", "--current", "--live");
        assertEquals(ExitCode.INVALID_INPUT, both.exitCode());
    }

    @Test
    void printXmlShowsTheDeviceAndChangesNothing() throws Exception {
        CliRunner.Result r = ok(cli.run("attach-interface", "vm1", "--type", "hostdev", "--vf", "0000:3b:02.7", "--vlan", "42", "--print-xml"));
        assertTrue(r.out().startsWith("<interface"), r.out());
        assertTrue(r.out().contains("<tag id=\"42\"/>"), r.out());
        assertEquals(0, runJson("domiflist", "vm1").get("interfaces").size());
    }

    @Test
    void badInputIsRejectedBeforeLibvirtIsTouched() {
        String[][] bad = {
                {"attach-interface", "vm1", "--type", "hostdev", "--vf", "0000:07:10.8"},
                {"attach-interface", "vm1", "--type", "hostdev", "--vf", "7:10.1x"},
                {"attach-interface", "vm1", "--type", "hostdev", "--vf", "0000:07:10.1", "--vlan", "4095"},
                {"attach-interface", "vm1", "--type", "hostdev", "--vf", "0000:07:10.1", "--mac", "52:54:00:zz:00:01"},
                {"attach-interface", "vm1", "--type", "vdpa", "--dev", "/dev/vhost-vdpa-0", "--queues", "0"},
                {"attach-interface", "vm1", "--type", "vdpa", "--dev", "/dev/vhost-vdpa-0", "--queues", "257"},
                {"attach-interface", "vm1", "--type", "vdpa", "--dev", "/dev/sda"},
                {"attach-interface", "vm1", "--type", "vhostuser", "--source", "relative.sock"},
                {"attach-interface", "vm1", "--type", "vhostuser", "--source", "/" + "x".repeat(120)},
                {"attach-interface", "vm1", "--type", "vhostuser", "--source", "/run/a.sock", "--mode", "both"},
                {"attach-interface", "vm1", "--type", "vhostuser", "--mode", "both"},
                {"attach-interface", "vm1", "--type", "vhostuser", "--vlan", "10"},
                {"attach-interface", "vm1", "--type", "bridge", "--source", "br0"},
                {"detach-interface", "vm1", "--mac", "nonsense"},
        };
        for (String[] args : bad) {
            CliRunner.Result r = cli.run(args);
            assertEquals(ExitCode.INVALID_INPUT, r.exitCode(), String.join(" ", args) + "\n" + r);
            assertFalse(r.err().isBlank());
        }
        assertTrue(libvirt.gateway().domainXml("vm1", true).contains("<devices>"));
        CliRunner.Result unknown = cli.run("attach-interface", "ghost", "--type", "vdpa", "--dev", "/dev/vhost-vdpa-0");
        assertEquals(ExitCode.NOT_FOUND, unknown.exitCode(), unknown.toString());
        assertTrue(unknown.err().contains("'ghost'"));
    }
}
