package io.virtwire.provisioner.cli;

import static io.virtwire.provisioner.cli.CliRunner.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtwire.provisioner.host.TreeSnapshot;
import io.virtwire.provisioner.libvirt.ForwardingGateway;
import io.virtwire.provisioner.libvirt.xml.DomainXml;
import io.virtwire.provisioner.libvirt.xml.PciHostdev;
import io.virtwire.provisioner.model.PciAddress;
import io.virtwire.provisioner.state.StateStore;
import io.virtwire.templates.VirtXmlValidator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * attach-hostdev / detach-hostdev (plain PCI passthrough) on a simulated fixture host and libvirt's test driver, through
 * the CLI: a VF picked with --pf goes through the same allocation, record and reconciliation as VF interfaces; a PCI
 * device named by address is checked against the host and the other domains.
 */
class HostdevCommandsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> DOMAINS = List.of("h3-hd-a", "h3-hd-b");
    private static final String A = DOMAINS.get(0);
    private static final String B = DOMAINS.get(1);

    @RegisterExtension
    final I350Domains fixture = I350Domains.defined("hostdev-q35", DOMAINS.toArray(String[]::new));

    private JsonNode json(String... args) throws Exception {
        return CliRunner.json(fixture.cli(), args);
    }

    private JsonNode record() throws Exception {
        Path f = fixture.state.resolve(StateStore.RECORD);
        return Files.exists(f) ? JSON.readTree(f.toFile()) : JSON.readTree("{\"allocations\":[]}");
    }

    private List<PciAddress> hostdevs(String domain) {
        return DomainXml.parse(fixture.libvirt.gateway().domainXml(domain, true)).hostdevs().stream().map(PciHostdev::source).toList();
    }

    @Test
    void attachHostdevPfPicksAFreeVfRecordsItLeavesItsSettingsAndDetachReleasesIt() throws Exception {
        Map<String, String> hostBefore = TreeSnapshot.of(fixture.host);
        JsonNode change = json("attach-hostdev", A, "--pf", "enp1s0f0", "--config");
        assertTrue(change.get("changed").asBoolean(), change.toString());
        assertEquals("config", change.get("scope").asText());
        JsonNode alloc = change.get("allocation");
        String vf = alloc.get("device").asText();
        assertEquals("0000:02:10.0", vf, "the first free VF of enp1s0f0");
        assertEquals(vf, change.get("device").asText());
        assertEquals("hostdev", alloc.get("kind").asText());
        assertEquals("held", alloc.get("state").asText());
        assertEquals("0000:01:00.0", alloc.get("pf").asText());
        assertFalse(alloc.has("mac") || alloc.has("settings"), "a plain hostdev gets no MAC or VF settings from virtwire: " + alloc);

        String deviceXml = change.get("deviceXml").asText();
        assertTrue(deviceXml.contains("<hostdev mode=\"subsystem\" type=\"pci\" managed=\"yes\">") || deviceXml.contains(
                "<hostdev mode='subsystem' type='pci' managed='yes'>"), deviceXml);
        assertEquals(List.of(PciAddress.parse(vf)), hostdevs(A));
        // the domain as libvirt keeps it, with the <hostdev>, against libvirt's RNG (this libvirt ships no device.rng)
        String domainXml = fixture.libvirt.gateway().domainXml(A, true);
        VirtXmlValidator.Result valid = new VirtXmlValidator().validate(domainXml, "domain");
        assertTrue(valid.valid(), valid.output() + "\n" + domainXml);
        assertEquals(hostBefore, TreeSnapshot.of(fixture.host), "the VF's MAC/VLAN are left to the guest");

        JsonNode rec = record().get("allocations");
        assertEquals(1, rec.size());
        assertEquals(vf, rec.get(0).get("device").asText());
        assertEquals(A, rec.get(0).get("domain").asText());

        // vf list shows the holder; the next --pf (hostdev or interface) gets another VF
        JsonNode list = json("vf", "list", "--pf", "enp1s0f0");
        assertEquals(A, list.get("vfs").get(0).get("domain").asText());
        assertEquals("held", list.get("vfs").get(0).get("state").asText());
        assertEquals(List.of(), JSON.convertValue(list.get("reconciled"), List.class), "the record already matched libvirt: " + list);
        JsonNode second = json("attach-hostdev", B, "--pf", "enp1s0f0", "--config");
        assertNotEquals(vf, second.get("allocation").get("device").asText());
        JsonNode nic = json("attach-interface", B, "--type", "hostdev", "--pf", "enp1s0f0", "--config");
        assertNotEquals(vf, nic.get("allocation").get("device").asText());

        JsonNode detached = json("detach-hostdev", A, vf, "--config");
        assertTrue(detached.get("changed").asBoolean());
        assertTrue(detached.get("notes").toString().contains("hostdev " + vf + ": released from '" + A + "'"), detached.toString());
        assertEquals(List.of(), hostdevs(A));
        assertFalse(record().toString().contains(vf), record().toString());
    }

    @Test
    void aNamedPciDeviceIsAttachedOnceAndAdoptedWhenARecordExists() throws Exception {
        json("attach-interface", B, "--type", "hostdev", "--pf", "enp1s0f1", "--config"); // creates the record
        JsonNode named = json("attach-hostdev", A, "0000:02:10.4", "--config");
        assertTrue(named.get("changed").asBoolean());
        assertFalse(named.has("allocation"), named.toString());
        assertTrue(named.get("notes").toString().contains("hostdev 0000:02:10.4: adopted (held by '" + A + "'"), named.toString());
        assertEquals(List.of(PciAddress.parse("0000:02:10.4")), hostdevs(A));

        // again: nothing to do
        JsonNode again = json("attach-hostdev", A, "0000:02:10.4", "--config");
        assertFalse(again.get("changed").asBoolean(), again.toString());
        assertEquals(1, hostdevs(A).size());

        // short form BB:DD.F and the text output
        String text = ok(fixture.cli().run("detach-hostdev", A, "02:10.4", "--config")).out();
        assertTrue(text.contains("Device detached successfully: PCI device 0000:02:10.4 on " + A + " (config)"), text);
        assertEquals(List.of(), hostdevs(A));
    }

    @Test
    void printXmlShowsTheHostdevAndChangesNothing() throws Exception {
        String xml = ok(fixture.cli().run("attach-hostdev", A, "--pf", "enp1s0f0", "--print-xml")).out();
        assertTrue(xml.contains("<hostdev mode=\"subsystem\" type=\"pci\" managed=\"yes\">") && xml.contains("bus=\"0x02\"")
                && xml.contains("slot=\"0x10\""), xml);
        assertEquals(List.of(), hostdevs(A));
        assertEquals(0, record().get("allocations").size());
    }

    @Test
    void badInputIsRefusedWithAClearErrorAndChangesNothing() throws Exception {
        json("attach-interface", B, "--type", "hostdev", "--vf", "0000:02:10.0", "--config");
        Map<String, String> hostBefore = TreeSnapshot.of(fixture.host);
        String xmlBefore = fixture.libvirt.gateway().domainXml(A, true);

        CliRunner.Result notPci = fixture.cli().run("attach-hostdev", A, "eth0", "--config");
        assertEquals(ExitCode.INVALID_INPUT, notPci.exitCode(), notPci.toString());
        assertTrue(notPci.err().contains("'eth0' is not a PCI address: expected DDDD:BB:DD.F"), notPci.err());

        CliRunner.Result unknown = fixture.cli().run("attach-hostdev", A, "0000:09:00.0", "--config");
        assertEquals(ExitCode.NOT_FOUND, unknown.exitCode(), unknown.toString());
        assertTrue(unknown.err().contains("no PCI device 0000:09:00.0 on this host") && unknown.err().contains("lspci -D"), unknown.err());

        CliRunner.Result inUse = fixture.cli().run("attach-hostdev", A, "0000:02:10.0", "--config");
        assertEquals(ExitCode.CONFLICT, inUse.exitCode(), inUse.toString());
        assertTrue(inUse.err().contains("PCI device 0000:02:10.0 is held by domain '" + B + "'"), inUse.err());

        CliRunner.Result both = fixture.cli().run("attach-hostdev", A, "0000:02:10.4", "--pf", "enp1s0f0");
        assertEquals(ExitCode.INVALID_INPUT, both.exitCode(), both.toString());
        CliRunner.Result neither = fixture.cli().run("attach-hostdev", A);
        assertEquals(ExitCode.INVALID_INPUT, neither.exitCode(), neither.toString());
        assertTrue(neither.err().contains("missing PCI"), neither.err());

        CliRunner.Result unknownPf = fixture.cli().run("attach-hostdev", A, "--pf", "eth9", "--config");
        assertEquals(ExitCode.NOT_FOUND, unknownPf.exitCode(), unknownPf.toString());
        assertTrue(unknownPf.err().contains("unknown PF 'eth9'"), unknownPf.err());

        CliRunner.Result live = fixture.cli().run("attach-hostdev", A, "--pf", "enp1s0f0", "--live");
        assertEquals(ExitCode.CONFLICT, live.exitCode(), live.toString());
        assertTrue(live.err().contains("is not running"), live.err());

        CliRunner.Result notThere = fixture.cli().run("detach-hostdev", A, "0000:02:10.4", "--config");
        assertEquals(ExitCode.NOT_FOUND, notThere.exitCode(), notThere.toString());
        assertTrue(notThere.err().contains("has no PCI hostdev 0000:02:10.4"), notThere.err());

        assertEquals(hostBefore, TreeSnapshot.of(fixture.host));
        assertEquals(xmlBefore, fixture.libvirt.gateway().domainXml(A, true));
        assertEquals(1, record().get("allocations").size(), "only B's adopted VF");
    }

    @Test
    void aVfHeldAsAnInterfaceInTheSameDomainIsNotPassedThroughTwice() throws Exception {
        JsonNode nic = json("attach-interface", A, "--type", "hostdev", "--vf", "0000:02:10.4", "--config");
        CliRunner.Result r = fixture.cli().run("attach-hostdev", A, "0000:02:10.4", "--config");
        assertEquals(ExitCode.CONFLICT, r.exitCode(), r.toString());
        assertTrue(r.err().contains("already attached to '" + A + "' as a hostdev interface")
                && r.err().contains("--mac " + nic.get("iface").get("mac").asText()), r.err());
        assertEquals(List.of(), hostdevs(A));
    }

    @Test
    void libvirtRefusingTheAttachReleasesThePickedVf() throws Exception {
        Wiring.Replacement refusing = s -> s.libvirt(uri -> ForwardingGateway.refusingDeviceChanges(fixture.libvirt.gateway()));
        CliRunner.Result r = fixture.cli(refusing).run("attach-hostdev", A, "--pf", "enp1s0f0", "--config");
        assertEquals(ExitCode.LIBVIRT_ERROR, r.exitCode(), r.toString());
        assertTrue(r.err().contains("attaching VF 0000:02:10.0 to '" + A + "' failed") && r.err().contains("simulated refusal")
                && r.err().contains("rolled back: released 0000:02:10.0 in the record"), r.err());
        assertEquals(0, record().get("allocations").size());
        assertEquals(List.of(), hostdevs(A));
    }

    @Test
    void persistentOnAStoppedDomainChangesTheDefinition() throws Exception {
        JsonNode change = json("attach-hostdev", A, "--pf", "enp1s0f0", "--persistent");
        assertEquals("config", change.get("scope").asText(), change.toString());
        assertEquals(1, hostdevs(A).size());
    }

    /**
     * Issue 15: an attach reads the domain's XML from libvirt once before it changes anything (the held-device scan and
     * the attach share that read), for the allocation path and for a named device, NIC or PCI hostdev.
     */
    @Test
    void anAttachReadsTheDomainXmlOnceBeforeItChangesIt() throws Exception {
        java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean changed = new java.util.concurrent.atomic.AtomicBoolean();
        Wiring.Replacement counting = s -> s.libvirt(uri -> new ForwardingGateway(fixture.libvirt.gateway()) {
            @Override
            public String domainXml(String name, boolean inactive) {
                if (name.equals(A) && !changed.get()) {
                    reads.incrementAndGet();
                }
                return super.domainXml(name, inactive);
            }

            @Override
            public void attachDevice(String domain, String deviceXml, io.virtwire.provisioner.libvirt.DeviceScope scope) {
                changed.set(true);
                super.attachDevice(domain, deviceXml, scope);
            }

            @Override
            public String defineDomain(String xml) {
                changed.set(true);
                return super.defineDomain(xml);
            }
        });
        List<List<String>> commands = List.of(
                List.of("attach-interface", A, "--type", "hostdev", "--pf", "enp1s0f0", "--config"),
                List.of("attach-interface", A, "--type", "hostdev", "--vf", "0000:02:11.0", "--config"),
                List.of("attach-hostdev", A, "--pf", "enp1s0f0", "--config"),
                List.of("attach-hostdev", A, "0000:02:11.4", "--config"));
        for (List<String> command : commands) {
            reads.set(0);
            changed.set(false);
            ok(fixture.cli(counting).run(command.toArray(String[]::new)));
            assertTrue(changed.get(), command.toString());
            assertEquals(1, reads.get(), command + ": the domain's XML was read " + reads.get() + " times before the change");
        }
    }
}
