package io.virtwire.provisioner.cli;

import static io.virtwire.provisioner.cli.CliRunner.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.virtwire.provisioner.host.TreeSnapshot;
import io.virtwire.provisioner.host.VirtualFunction;
import io.virtwire.provisioner.state.StateStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * issue 19, item 4 for state absent: detach-interface --ensure finds the NIC with attach-interface --ensure's rules
 * (by MAC, by TYPE and device, by the PF's VFs), detaches it with the whole domain XML as diff, answers changed false
 * once it is gone, refuses two candidates, and with --print-xml changes nothing (libvirt, record, host). On libvirt's
 * test driver (persistent definitions) and the i350 fixture host.
 */
class DetachEnsureTest {

    private static final String DOMAIN = "absent-a";
    private static final String VF = "0000:07:10.1";
    private static final String MAC = "52:54:00:ab:00:01";
    private static final String MAC2 = "52:54:00:ab:00:02";

    @TempDir
    Path tmp;

    @RegisterExtension
    final I350Domains fixture = I350Domains.defined("vhostuser-memfd", DOMAIN);

    private JsonNode detach(String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("detach-interface", DOMAIN));
        args.addAll(List.of(extra));
        args.addAll(List.of("--config", "--ensure"));
        return CliRunner.json(fixture.cli(), args.toArray(String[]::new));
    }

    private String config() {
        return fixture.libvirt.gateway().domainXml(DOMAIN, true);
    }

    private VirtualFunction vf(String address) {
        return fixture.vf(address);
    }

    @Test
    void aNicFoundByMacIsDetachedThenAbsentIsUnchanged() throws Exception {
        ok(fixture.cli().run("attach-interface", DOMAIN, "hostdev", VF, "--mac", MAC, "--vlan", "7", "--config"));
        String before = config();

        JsonNode preview = detach("--mac", MAC, "--print-xml");
        assertTrue(preview.get("changed").asBoolean(), preview.toString());
        assertEquals("detach", preview.get("method").asText(), preview.toString());
        assertTrue(preview.get("diff").get("before").asText().contains(MAC), preview.toString());
        assertFalse(preview.get("diff").get("after").asText().contains(MAC), "the whole domain XML without the NIC: " + preview);
        assertTrue(preview.get("diff").get("after").asText().contains("<domain"), preview.toString());
        assertEquals(before, config(), "--print-xml changes nothing");

        JsonNode gone = detach("--mac", MAC);
        assertTrue(gone.get("changed").asBoolean(), gone.toString());
        assertEquals(MAC, gone.get("iface").get("mac").asText());
        assertEquals(VF, gone.get("iface").get("source").asText());
        assertTrue(gone.get("diff").get("before").asText().contains(MAC), gone.toString());
        assertFalse(gone.get("diff").get("after").asText().contains(MAC), gone.toString());
        assertFalse(config().contains(MAC), config());

        JsonNode again = detach("--mac", MAC);
        assertFalse(again.get("changed").asBoolean(), again.toString());
        assertTrue(again.get("diff").isNull(), again.toString());
        assertTrue(again.get("iface").isNull(), "no interface to name: " + again);
        assertTrue(again.get("method").isNull(), again.toString());
        assertTrue(again.get("notes").toString().contains("no interface with MAC " + MAC), again.toString());
        // the text form says so too, exit 0
        CliRunner.Result text = ok(fixture.cli().run("detach-interface", DOMAIN, "--mac", MAC, "--config", "--ensure"));
        assertTrue(text.out().contains("Unchanged: no such interface on " + DOMAIN), text.out());
    }

    @Test
    void aNicFoundByTypeAndDeviceIsDetachedAndTwoAreAConflict() throws Exception {
        ok(fixture.cli().run("attach-interface", DOMAIN, "hostdev", VF, "--mac", MAC, "--config"));
        ok(fixture.cli().run("attach-interface", DOMAIN, "hostdev", "0000:07:10.2", "--mac", MAC2, "--config"));

        JsonNode bySource = detach("hostdev", "--vf", VF);
        assertTrue(bySource.get("changed").asBoolean(), bySource.toString());
        assertEquals(MAC, bySource.get("iface").get("mac").asText(), "the NIC on that VF, not the other: " + bySource);
        assertFalse(config().contains(MAC), config());
        assertTrue(config().contains(MAC2), config());
        assertFalse(detach("hostdev", "--vf", VF).get("changed").asBoolean());

        // two NICs on one socket: which one is meant is not known, so nothing is detached
        String sock = tmp.resolve("absent-two.sock").toString();
        ok(fixture.cli().run("attach-interface", DOMAIN, "vhostuser", sock, "--mac", MAC, "--config"));
        ok(fixture.cli().run("attach-interface", DOMAIN, "vhostuser", sock, "--mac", "52:54:00:ab:00:03", "--config"));
        String before = config();
        CliRunner.Result two = fixture.cli().run("detach-interface", DOMAIN, "vhostuser", "--source", sock, "--config", "--ensure");
        assertEquals(ExitCode.CONFLICT, two.exitCode(), two.toString());
        assertTrue(two.err().contains("has 2 vhostuser interfaces on " + sock + ": give --mac"), two.err());
        assertEquals(before, config());

        // a MAC on another device or type than the one given: a conflict, as attach-interface --ensure says it
        CliRunner.Result other = fixture.cli().run("detach-interface", DOMAIN, "hostdev", "--vf", VF, "--mac", MAC2, "--config", "--ensure");
        assertEquals(ExitCode.CONFLICT, other.exitCode(), other.toString());
        assertTrue(other.err().contains("MAC " + MAC2 + " is already used by a hostdev interface (0000:07:10.2)"), other.err());
        CliRunner.Result type = fixture.cli().run("detach-interface", DOMAIN, "vdpa", "--mac", MAC2, "--config", "--ensure");
        assertEquals(ExitCode.CONFLICT, type.exitCode(), type.toString());
        assertEquals(before, config());

        CliRunner.Result nothing = fixture.cli().run("detach-interface", DOMAIN, "--config", "--ensure");
        assertEquals(ExitCode.INVALID_INPUT, nothing.exitCode(), nothing.toString());
        assertTrue(nothing.err().contains("needs --mac MAC, or TYPE with the device"), nothing.err());
        CliRunner.Result plain = fixture.cli().run("detach-interface", DOMAIN, "hostdev", "--vf", VF, "--config");
        assertEquals(ExitCode.INVALID_INPUT, plain.exitCode(), "the device forms are --ensure's: " + plain);
    }

    @Test
    void aVfVirtwireAllocatedIsFoundByItsPfFreedAndRestored() throws Exception {
        JsonNode attached = CliRunner.json(fixture.cli(), "attach-interface", DOMAIN, "--type", "hostdev", "--pf", "enp1s0f0", "--mac", MAC,
                "--vlan", "42", "--config", "--ensure");
        String vf = attached.get("allocation").get("device").asText();
        assertEquals(42, vf(vf).vlan());
        Map<String, String> hostBefore = TreeSnapshot.of(fixture.host);
        Map<String, String> stateBefore = TreeSnapshot.of(fixture.state);
        String configBefore = config();

        JsonNode preview = detach("hostdev", "--pf", "enp1s0f0", "--print-xml");
        assertTrue(preview.get("changed").asBoolean(), preview.toString());
        assertEquals(MAC, preview.get("iface").get("mac").asText());
        assertTrue(preview.get("notes").toString().contains("would release hostdev " + vf + " from the allocation record"), preview.toString());
        assertEquals(hostBefore, TreeSnapshot.of(fixture.host), "no VF setting changed");
        assertEquals(stateBefore, TreeSnapshot.of(fixture.state), "no record written");
        assertEquals(configBefore, config());

        JsonNode gone = detach("hostdev", "--pf", "enp1s0f0");
        assertTrue(gone.get("changed").asBoolean(), gone.toString());
        assertFalse(config().contains(MAC), config());
        assertEquals(0, vf(vf).vlan(), "the VF's previous settings restored through the record");
        String record = Files.readString(fixture.state.resolve(StateStore.RECORD));
        assertFalse(record.contains(vf), "the VF is freed: " + record);
        assertTrue(gone.get("notes").toString().contains("reconciled:"), gone.toString());

        assertFalse(detach("hostdev", "--pf", "enp1s0f0").get("changed").asBoolean());
    }

    @Test
    void aDomainXmlFileIsEditedOnlyWithInPlace() throws Exception {
        Path file = tmp.resolve("absent-file.xml");
        Files.writeString(file, config());
        ok(fixture.cli().run("attach-interface", "--domain-xml", file.toString(), "hostdev", VF, "--mac", MAC, "--in-place"));
        String before = Files.readString(file);

        JsonNode preview = CliRunner.json(fixture.cli(), "detach-interface", "--domain-xml", file.toString(), "hostdev", "--vf", VF, "--ensure", "--print-xml");
        assertTrue(preview.get("changed").asBoolean(), preview.toString());
        assertEquals("detach", preview.get("method").asText(), "as attach on a file says attach");
        assertEquals(before, Files.readString(file));

        JsonNode gone = CliRunner.json(fixture.cli(), "detach-interface", "--domain-xml", file.toString(), "--mac", MAC, "--ensure", "--in-place");
        assertTrue(gone.get("changed").asBoolean(), gone.toString());
        assertFalse(Files.readString(file).contains(MAC));
        assertFalse(CliRunner.json(fixture.cli(), "detach-interface", "--domain-xml", file.toString(), "--mac", MAC, "--ensure", "--in-place")
                .get("changed").asBoolean());
    }
}
