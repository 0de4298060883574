package io.virtwire.provisioner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtwire.templates.VirtXmlValidator;
import org.junit.jupiter.api.Test;

class DefineDomainCommandTest {

    private final CliRunner cli = new CliRunner().env("LIBVIRT_DEFAULT_URI", "test:///default");

    @Test
    void printsASchemaValidDomainWithDirectKernelBoot() throws Exception {
        CliRunner.Result r = cli.run("--output", "json", "define-domain", "--template", "vhostuser-hugepages", "--name", "vm1",
                "--memory", "512MiB", "--vcpus", "1", "--virt-type", "qemu", "--kernel", "/k", "--initrd", "/i", "--cmdline", "console=ttyS0",
                "--print-xml");
        assertEquals(0, r.exitCode(), r.toString());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals("vm1", json.get("name").asText());
        assertEquals("vhostuser-hugepages", json.get("template").asText());
        assertEquals(false, json.get("defined").asBoolean());
        String xml = json.get("xml").asText();
        assertTrue(xml.contains("<kernel>/k</kernel>") && xml.contains("<initrd>/i</initrd>"), xml);
        assertTrue(xml.contains("<memory unit=\"KiB\">524288</memory>"), xml);
        assertTrue(new VirtXmlValidator().validate(xml, "domain").valid());
    }

    @Test
    void definesThroughLibvirt() {
        CliRunner.Result r = cli.run("define-domain", "--template", "vdpa", "--name", "vm-def", "--virt-type", "qemu");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("Domain 'vm-def' defined from template vdpa"), r.out());
    }

    @Test
    void refusesToReplaceAnExistingDomain() {
        CliRunner.Result r = cli.run("define-domain", "--template", "vdpa", "--name", "test");
        assertEquals(ExitCode.CONFLICT, r.exitCode(), r.toString());
        assertTrue(r.err().contains("'test' already exists"), r.err());
    }

    @Test
    void badInputIsOneClearLineAndAUsageExitCode() {
        assertEquals(ExitCode.NOT_FOUND, cli.run("define-domain", "--template", "xen", "--name", "a").exitCode());
        CliRunner.Result mem = cli.run("define-domain", "--template", "vdpa", "--name", "a", "--memory", "lots");
        assertEquals(ExitCode.INVALID_INPUT, mem.exitCode());
        assertEquals(1, mem.err().lines().count(), mem.err());
        assertTrue(mem.err().contains("'lots'"));
        assertEquals(ExitCode.INVALID_INPUT, cli.run("define-domain", "--template", "vdpa", "--name", "a", "--disk", "/d", "--kernel", "/k").exitCode());
        assertEquals(ExitCode.INVALID_INPUT, cli.run("define-domain", "--template", "vdpa", "--name", "a", "--initrd", "/i").exitCode());
        assertEquals(ExitCode.INVALID_INPUT, cli.run("define-domain", "--template", "vdpa", "--name", "a", "--vcpus", "0").exitCode());
    }

    @Test
    void unreachableLibvirtIsALibvirtError() {
        CliRunner.Result r = cli.run("-c", "qemu+unix:///system?socket=/nonexistent/s", "define-domain", "--template", "vdpa", "--name", "a");
        assertEquals(ExitCode.LIBVIRT_ERROR, r.exitCode(), r.toString());
        assertTrue(r.err().contains("cannot connect to libvirt"), r.err());
    }
}
