package io.virtwire.provisioner.cli;

import static io.virtwire.provisioner.cli.CliRunner.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.virtwire.provisioner.host.TreeSnapshot;
import io.virtwire.provisioner.host.VirtualFunction;
import io.virtwire.provisioner.host.sim.SimulatedKernel;
import io.virtwire.provisioner.state.StateStore;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * issue 19, item 3 for the VFs virtwire picks: attach-interface --pf ... --ensure finds the NIC the domain already
 * has on a VF of the PF and converges another VLAN, trust, spoofchk or MAC on that VF through the PF (method pf), the
 * record's settings with it, and libvirt's XML after it; a second run changes nothing; --print-xml changes nothing.
 * On libvirt's test driver (persistent definitions) and the i350 fixture host.
 */
class EnsureAllocatedTest {

    private static final String DOMAIN = "ea-a";
    private static final String MAC = "52:54:00:ea:00:01";

    @RegisterExtension
    final I350Domains fixture = I350Domains.defined("vhostuser-memfd", DOMAIN);

    private JsonNode ensure(String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("attach-interface", DOMAIN, "--type", "hostdev", "--pf", "enp1s0f0", "--config", "--ensure"));
        args.addAll(List.of(extra));
        return CliRunner.json(fixture.cli(), args.toArray(String[]::new));
    }

    private VirtualFunction vf(String address) {
        return fixture.vf(address);
    }

    private String config() {
        return fixture.libvirt.gateway().domainXml(DOMAIN, true);
    }

    private JsonNode recorded(String device) throws Exception {
        JsonNode record = new com.fasterxml.jackson.databind.ObjectMapper().readTree(Files.readString(fixture.state.resolve(StateStore.RECORD)));
        for (JsonNode a : record.get("allocations")) {
            if (a.get("device").asText().equals(device)) {
                return a;
            }
        }
        throw new AssertionError("no record entry for " + device + ": " + record);
    }

    @Test
    void vlanTrustAndMacDriftOnAnAllocatedVfAreConvergedThroughThePf() throws Exception {
        JsonNode first = ensure("--mac", MAC, "--vlan", "7", "--trust", "on");
        assertTrue(first.get("changed").asBoolean(), first.toString());
        assertEquals("attach", first.get("method").asText(), first.toString());
        assertEquals("ensure", first.get("action").asText());
        String vf = first.get("allocation").get("device").asText();
        assertEquals("held", first.get("allocation").get("state").asText());
        assertEquals(7, vf(vf).vlan());
        assertEquals(Boolean.TRUE, vf(vf).trust());

        JsonNode again = ensure("--mac", MAC, "--vlan", "7", "--trust", "on");
        assertFalse(again.get("changed").asBoolean(), again.toString());
        assertFalse(again.has("method") && !again.get("method").isNull(), again.toString());

        // VLAN 7 -> 8: the VF through the PF first, then libvirt's XML (no update-device on test:///: redefined)
        JsonNode vlan8 = ensure("--mac", MAC, "--vlan", "8", "--trust", "on");
        assertTrue(vlan8.get("changed").asBoolean(), vlan8.toString());
        assertEquals(List.of("pf", "redefine"), texts(vlan8.get("methods")), vlan8.toString());
        assertEquals("redefine", vlan8.get("method").asText());
        String notes = vlan8.get("notes").toString();
        assertTrue(notes.contains("vlan: 7 -> 8; set through the PF"), notes);
        assertTrue(notes.contains("host: ip link set enp1s0f0 vf 0 vlan 8"), notes);
        assertEquals(8, vf(vf).vlan());
        assertEquals(vf, vlan8.get("allocation").get("device").asText(), "the same VF, not a new one");
        assertEquals(8, recorded(vf).get("settings").get("vlan").asInt(), "the record keeps what the hook re-applies");
        assertTrue(config().contains("<tag id='8'/>"), config());
        assertEquals(1, config().split("<interface ").length - 1, "still one NIC: " + config());
        assertTrue(vlan8.get("diff").get("after").asText().contains("<tag id='8'/>"), vlan8.toString());

        assertFalse(ensure("--mac", MAC, "--vlan", "8", "--trust", "on").get("changed").asBoolean());

        // trust only: the VF alone, libvirt's XML stays as it is
        String before = config();
        JsonNode trustOff = ensure("--mac", MAC, "--vlan", "8", "--trust", "off");
        assertTrue(trustOff.get("changed").asBoolean(), trustOff.toString());
        assertEquals(List.of("pf"), texts(trustOff.get("methods")), trustOff.toString());
        assertEquals(Boolean.FALSE, vf(vf).trust());
        assertEquals(before, config());
        assertEquals(false, recorded(vf).get("settings").get("trust").asBoolean());

        // someone changed the VF's MAC on the host: put back, found without --mac as the NIC on a VF of the PF
        new SimulatedKernel(fixture.host).setVfMac("enp1s0f0", vf(vf).index(), "52:54:00:66:66:66");
        JsonNode mac = ensure("--vlan", "8", "--trust", "off");
        assertTrue(mac.get("changed").asBoolean(), mac.toString());
        assertTrue(mac.get("notes").toString().contains("mac: 52:54:00:66:66:66 -> " + MAC), mac.toString());
        assertEquals(MAC, vf(vf).mac());
        assertFalse(ensure("--vlan", "8", "--trust", "off").get("changed").asBoolean());

        // the text form names the steps
        CliRunner.Result text = ok(fixture.cli().run("attach-interface", DOMAIN, "--type", "hostdev", "--pf", "enp1s0f0", "--config", "--ensure",
                "--vlan", "9", "--trust", "off"));
        assertTrue(text.out().contains("Interface ensured successfully: hostdev " + vf + " mac " + MAC + " on " + DOMAIN + " (config) by pf, then redefine"),
                text.out());
    }

    @Test
    void printXmlReportsTheDriftAndChangesNothing() throws Exception {
        JsonNode missing = ensure("--mac", MAC, "--vlan", "7", "--print-xml");
        assertTrue(missing.get("changed").asBoolean(), missing.toString());
        assertEquals("pending", missing.get("allocation").get("state").asText());
        assertFalse(missing.get("diff").get("before").asText().contains(MAC), missing.toString());
        assertTrue(missing.get("diff").get("after").asText().contains(MAC), "the domain XML with the NIC a real run adds: " + missing);
        assertFalse(Files.exists(fixture.state.resolve(StateStore.RECORD)));

        String vf = ensure("--mac", MAC, "--vlan", "7").get("allocation").get("device").asText();
        Map<String, String> hostBefore = TreeSnapshot.of(fixture.host);
        Map<String, String> stateBefore = TreeSnapshot.of(fixture.state);
        String configBefore = config();

        JsonNode preview = ensure("--mac", MAC, "--vlan", "8", "--spoofchk", "off", "--print-xml");

        assertTrue(preview.get("changed").asBoolean(), preview.toString());
        assertEquals(List.of("pf", "update-device"), texts(preview.get("methods")), preview.toString());
        assertTrue(preview.get("notes").toString().contains("vlan: 7 -> 8, spoofchk: on -> off; would set it through the PF"), preview.toString());
        assertTrue(preview.get("diff").get("after").asText().contains("id=\"8\""), preview.toString());
        assertEquals(hostBefore, TreeSnapshot.of(fixture.host), "no VF setting changed");
        assertEquals(stateBefore, TreeSnapshot.of(fixture.state), "no record written");
        assertEquals(configBefore, config());
        assertEquals(7, vf(vf).vlan());
    }

    @Test
    void aMacOnAnotherPfsVfOrTypeIsAConflictAndChangesNothing() throws Exception {
        ok(fixture.cli().run("attach-interface", DOMAIN, "hostdev", "0000:07:10.1", "--mac", MAC, "--config"));
        String before = config();

        CliRunner.Result r = fixture.cli().run("attach-interface", DOMAIN, "--type", "hostdev", "--pf", "enp1s0f0", "--mac", MAC, "--config", "--ensure");

        assertEquals(ExitCode.CONFLICT, r.exitCode(), r.toString());
        assertTrue(r.err().contains("MAC " + MAC + " is on 0000:07:10.1, which is not a VF of PF enp1s0f0"), r.err());
        assertEquals(before, config());
        assertFalse(Files.exists(fixture.state.resolve(StateStore.RECORD)), "nothing recorded");

        CliRunner.Result noMac = fixture.cli().run("attach-interface", DOMAIN, "--type", "vhostuser", "--config", "--ensure");
        assertEquals(ExitCode.INVALID_INPUT, noMac.exitCode(), noMac.toString());
        assertTrue(noMac.err().contains("needs --mac"), noMac.err());
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
