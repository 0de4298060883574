package io.virtwire.provisioner.cli;

import static io.virtwire.provisioner.cli.CliRunner.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.virtwire.provisioner.libvirt.LibvirtConnector;
import io.virtwire.provisioner.libvirt.RecordingGateway;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * issue 19: attach-interface --ensure owns the matching rules and converges drift: a VLAN change from 7 to 8 on an
 * existing NIC is applied (it used to report ok/unchanged), then reports no change; --print-xml reports without
 * applying; a MAC on another device is a conflict. On libvirt's test driver (persistent definitions).
 */
class EnsureInterfaceTest {

    private static final String DOMAIN = "ens-a";
    private static final String VF = "0000:07:10.1";
    private static final String MAC = "52:54:00:e0:00:01";

    private SharedTestConnection libvirt;

    @BeforeEach
    void setUp() {
        libvirt = SharedTestConnection.withoutLeftovers();
        ok(cli().run("define-domain", "--template", "vhostuser-memfd", "--name", DOMAIN, "--virt-type", "qemu", "--memory", "128MiB"));
    }

    @AfterEach
    void tearDown() {
        libvirt.undefineAndClose(List.of(DOMAIN));
    }

    private CliRunner cli() {
        return new CliRunner(libvirt.module()).env("LIBVIRT_DEFAULT_URI", "test:///default");
    }

    private JsonNode ensure(String... extra) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("attach-interface", DOMAIN, "hostdev", VF, "--config", "--ensure"));
        args.addAll(List.of(extra));
        return CliRunner.json(cli(), args.toArray(String[]::new));
    }

    private String config() {
        return libvirt.gateway().domainXml(DOMAIN, true);
    }

    @Test
    void aMissingNicIsAttachedThenLeftAlone() throws Exception {
        JsonNode first = ensure("--mac", MAC, "--vlan", "7");
        assertTrue(first.get("changed").asBoolean(), first.toString());
        assertEquals("ensure", first.get("action").asText());
        assertEquals("attach", first.get("method").asText(), first.toString());
        assertTrue(first.get("notes").toString().contains("missing from the persistent definition"), first.toString());
        String diffBefore = first.get("diff").get("before").asText();
        String diffAfter = first.get("diff").get("after").asText();
        assertTrue(diffBefore.contains("<domain") && !diffBefore.contains(MAC), "the whole domain XML before: " + diffBefore);
        assertTrue(diffAfter.contains("<domain") && diffAfter.contains(MAC), "the whole domain XML after: " + diffAfter);
        assertTrue(config().contains("<tag id=\"7\"/>") || config().contains("<tag id='7'/>"), config());

        JsonNode second = ensure("--mac", MAC, "--vlan", "7");
        assertFalse(second.get("changed").asBoolean(), second.toString());
        assertNull(second.get("diff").textValue());
        assertTrue(second.get("method").isNull(), "nothing done, no method: " + second);
        assertEquals(0, second.get("methods").size(), second.toString());
    }

    @Test
    void aVlanChangeFrom7To8IsConvergedThenUnchanged() throws Exception {
        ensure("--mac", MAC, "--vlan", "7");
        String before = config();

        JsonNode preview = ensure("--mac", MAC, "--vlan", "8", "--print-xml");
        assertTrue(preview.get("changed").asBoolean(), preview.toString());
        assertTrue(preview.get("notes").toString().contains("vlan: 7 -> 8"), preview.toString());
        assertTrue(preview.get("diff").get("after").asText().contains("id=\"8\""), preview.toString());
        assertEquals(before, config(), "--print-xml changes nothing");

        JsonNode converged = ensure("--mac", MAC, "--vlan", "8");
        assertTrue(converged.get("changed").asBoolean(), converged.toString());
        assertTrue(converged.get("notes").toString().contains("drift in the persistent definition: vlan: 7 -> 8"), converged.toString());
        // test:/// has no update-device: the edited definition is redefined, and the answer says so
        assertEquals("redefine", converged.get("method").asText(), converged.toString());
        assertTrue(converged.get("notes").toString().contains("has no update-device, redefined"), converged.toString());
        assertEquals("update-device", preview.get("method").asText(), "the dry run names what a driver with update-device does: " + preview);
        String after = config();
        assertTrue(after.contains("id=\"8\"") || after.contains("id='8'"), after);
        assertFalse(after.contains("id=\"7\"") || after.contains("id='7'"), after);
        assertEquals(1, after.split("<interface ").length - 1, "still one NIC: " + after);

        assertFalse(ensure("--mac", MAC, "--vlan", "8").get("changed").asBoolean());
        // without --mac the NIC on that VF is the one meant, and its MAC is kept
        JsonNode byVf = ensure("--vlan", "9");
        assertTrue(byVf.get("changed").asBoolean(), byVf.toString());
        assertEquals(MAC, byVf.get("iface").get("mac").asText());
        assertFalse(ensure("--vlan", "9").get("changed").asBoolean());
    }

    @Test
    void aMacOnAnotherDeviceIsAConflictAndChangesNothing() throws Exception {
        ensure("--mac", MAC);
        String before = config();

        CliRunner.Result r = cli().run("attach-interface", DOMAIN, "hostdev", "0000:07:10.2", "--mac", MAC, "--config", "--ensure");

        assertEquals(ExitCode.CONFLICT, r.exitCode(), r.toString());
        assertTrue(r.err().contains("MAC " + MAC + " is already used by a hostdev interface (" + VF + ")"), r.err());
        assertEquals(before, config());

        // --pf --ensure is an ensure too (EnsureAllocatedTest); here the host has no such PF, and that is all it says
        CliRunner.Result pf = cli().run("attach-interface", DOMAIN, "--type", "hostdev", "--pf", "enp1s0f0", "--config", "--ensure");
        assertEquals(ExitCode.NOT_FOUND, pf.exitCode(), pf.toString());
        assertTrue(pf.err().contains("unknown PF 'enp1s0f0'"), pf.err());
        assertEquals(before, config());
    }

    @TempDir
    Path tmp;

    /**
     * A running domain (in memory: these machines cannot hot-plug a VF): QEMU cannot retag a plugged VF NIC, so the
     * live drift is converged by a detach and an attach of the same VF; the next run changes nothing.
     */
    @Test
    void liveDriftIsConvergedByADetachAndAnAttachOfTheSameVf() throws Exception {
        String vf = "0000:04:10.0";
        RecordingGateway running = new RecordingGateway().running("guest1", """
                <domain type='kvm'><name>guest1</name><memory unit='MiB'>1024</memory><os><type>hvm</type></os><devices>
                <interface type='hostdev' managed='yes'><mac address='%s'/><source><address type='pci' domain='0x0000' bus='0x04' slot='0x10' function='0x0'/></source><vlan><tag id='100'/></vlan></interface>
                </devices></domain>""".formatted(MAC));
        CliRunner live = new CliRunner(s -> s.libvirt(uri -> running)).env("VIRTWIRE_STATE_DIR", tmp.resolve("state").toString());
        String[] args = {"attach-interface", "guest1", "hostdev", vf, "--mac", MAC, "--vlan", "200", "--live", "--ensure"};

        List<String> withPrint = new java.util.ArrayList<>(List.of(args));
        withPrint.add("--print-xml");
        JsonNode preview = CliRunner.json(live, withPrint.toArray(String[]::new));
        assertTrue(preview.get("changed").asBoolean(), preview.toString());
        assertEquals(List.of(), running.calls, "--print-xml touches nothing");

        JsonNode converged = CliRunner.json(live, args);
        assertTrue(converged.get("changed").asBoolean(), converged.toString());
        assertTrue(converged.get("notes").toString().contains("drift in the running domain: vlan: 100 -> 200"), converged.toString());
        // libvirt changes nothing on a plugged type='hostdev' NIC (qemuDomainChangeNet): no update-device is tried
        assertEquals("reattach", converged.get("method").asText(), converged.toString());
        assertEquals("reattach", preview.get("method").asText(), preview.toString());
        assertEquals(2, running.calls.size(), running.calls.toString());
        assertTrue(running.calls.get(0).startsWith("detach guest1") && running.calls.get(0).endsWith(vf), running.calls.toString());
        assertTrue(running.calls.get(1).startsWith("attach guest1") && running.calls.get(1).endsWith(vf), running.calls.toString());
        String after = running.domainXml("guest1", false);
        assertTrue(after.contains("id=\"200\"") || after.contains("id='200'"), after);
        assertTrue(converged.get("diff").get("after").asText().contains("200"), converged.toString());

        running.calls.clear();
        assertFalse(CliRunner.json(live, args).get("changed").asBoolean());
        assertEquals(List.of(), running.calls);
    }
}
