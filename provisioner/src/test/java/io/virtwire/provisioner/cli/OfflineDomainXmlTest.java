package io.virtwire.provisioner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtwire.templates.VirtXmlValidator;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.xmlunit.builder.DiffBuilder;
import org.xmlunit.diff.Diff;

/** The virt-xml-style workflow on files: --domain-xml, with and without --in-place, on rich domains. */
class OfflineDomainXmlTest {

    @TempDir
    Path dir;

    private final CliRunner cli = new CliRunner();

    private Path copy(String resource) throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/domains/" + resource)) {
            Path p = dir.resolve(resource);
            Files.write(p, in.readAllBytes());
            return p;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"foreign-namespaces.xml", "live-dump.xml", "numa-hugepages.xml", "q35-many-devices.xml"})
    void attachThenDetachLeavesEverythingElseAsItWas(String resource) throws IOException {
        Path file = copy(resource);
        String original = Files.readString(file);
        CliRunner.Result attach = cli.run("attach-interface", "--domain-xml", file.toString(), "--type", "hostdev",
                "--vf", "0000:5e:10.3", "--vlan", "100", "--mac", "52:54:00:de:ad:01", "--in-place");
        assertEquals(0, attach.exitCode(), attach.toString());
        String attached = Files.readString(file);
        assertTrue(attached.contains("0x5e"), attached);
        VirtXmlValidator.Result valid = new VirtXmlValidator().validate(attached, "domain");
        assertTrue(valid.valid(), resource + ": " + valid.output());

        CliRunner.Result detach = cli.run("detach-interface", "--domain-xml", file.toString(), "--mac", "52:54:00:de:ad:01", "--in-place");
        assertEquals(0, detach.exitCode(), detach.toString());
        Diff diff = DiffBuilder.compare(original).withTest(Files.readString(file)).ignoreWhitespace().ignoreComments().checkForSimilar().build();
        assertFalse(diff.hasDifferences(), resource + ": " + diff);
    }

    @Test
    void withoutInPlaceTheUpdatedDomainGoesToStdoutAndTheFileIsUntouched() throws IOException {
        Path file = copy("q35-many-devices.xml");
        String original = Files.readString(file);
        CliRunner.Result r = cli.run("attach-interface", "--domain-xml", file.toString(), "--type", "vdpa", "--dev", "/dev/vhost-vdpa-1");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().startsWith("<domain") || r.out().startsWith("<?xml"), r.out());
        assertTrue(r.out().contains("/dev/vhost-vdpa-1"));
        assertEquals(original, Files.readString(file));
    }

    @Test
    void vhostUserOnAFileWithoutSharedMemoryNeedsFixMemory() throws IOException {
        Path file = copy("q35-many-devices.xml");
        String original = Files.readString(file);
        CliRunner.Result refused = cli.run("attach-interface", "--domain-xml", file.toString(), "--type", "vhostuser",
                "--source", "/run/virtwire/x.sock", "--in-place");
        if (original.contains("<access mode='shared'/>") || original.contains("<access mode=\"shared\"/>")) {
            assertEquals(0, refused.exitCode(), refused.toString());
            return;
        }
        assertEquals(ExitCode.CONFLICT, refused.exitCode(), refused.toString());
        assertEquals(original, Files.readString(file), "a refused change leaves the file alone");
        CliRunner.Result fixed = cli.run("attach-interface", "--domain-xml", file.toString(), "--type", "vhostuser",
                "--source", "/run/virtwire/x.sock", "--in-place", "--fix-memory");
        assertEquals(0, fixed.exitCode(), fixed.toString());
        String xml = Files.readString(file);
        assertTrue(xml.contains("memfd"), xml);
        assertTrue(new VirtXmlValidator().validate(xml, "domain").valid());
    }

    @Test
    void notXmlAndMismatchedNamesAreClearErrors() throws IOException {
        Path junk = dir.resolve("junk.xml");
        Files.writeString(junk, "this is not xml");
        CliRunner.Result r = cli.run("domiflist", "--domain-xml", junk.toString());
        assertEquals(ExitCode.INVALID_INPUT, r.exitCode(), r.toString());
        assertTrue(r.err().contains("junk.xml"), r.err());
        Path file = copy("numa-hugepages.xml");
        assertEquals(ExitCode.INVALID_INPUT, cli.run("domiflist", "other-name", "--domain-xml", file.toString()).exitCode());
        assertEquals(ExitCode.NOT_FOUND, cli.run("domiflist", "--domain-xml", dir.resolve("missing.xml").toString()).exitCode());
        assertEquals(ExitCode.INVALID_INPUT, cli.run("attach-interface", "--domain-xml", file.toString(), "--type", "vdpa",
                "--dev", "/dev/vhost-vdpa-0", "--live").exitCode());
        assertEquals(ExitCode.INVALID_INPUT, cli.run("domiflist").exitCode());
        String text = Files.readString(file, StandardCharsets.UTF_8);
        assertTrue(text.contains("<domain"));
    }
}
