package io.virtwire.provisioner.cli;

import static io.virtwire.provisioner.cli.CliRunner.ok;
import static io.virtwire.provisioner.cli.CliRunner.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtwire.provisioner.host.TreeSnapshot;
import io.virtwire.provisioner.host.VirtualFunction;
import io.virtwire.provisioner.host.sim.SimulatedKernel;
import io.virtwire.provisioner.libvirt.DeviceScope;
import io.virtwire.provisioner.libvirt.ForwardingGateway;
import io.virtwire.provisioner.libvirt.xml.DomainXml;
import io.virtwire.provisioner.libvirt.xml.HostdevInterface;
import io.virtwire.provisioner.state.StateStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The allocation record stays true: after a crashed attach (reconcile first, then read the host), when the record's
 * last save fails after libvirt took the NIC, and when the record on disk is corrupt (refused, named, unchanged).
 * The crash is reproduced by what it leaves (the VF configured, a pending entry); AllocationSystemIT kills real
 * processes.
 */
class RecordIntegrityTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> DOMAINS = List.of("ri-a", "ri-b");
    /** VF 0 of enp1s0f0 on the i350 fixture: the first free VF, so the one a crashed attach took. */
    private static final String VF0 = "0000:02:10.0";

    @TempDir
    Path tmp;

    @RegisterExtension
    final I350Domains fixture = I350Domains.defined("vhostuser-memfd", DOMAINS.toArray(String[]::new));

    private VirtualFunction vf(String address) {
        return fixture.vf(address);
    }

    /** What a kill -9 at the documented pause leaves: VF 0 configured for ri-a, a pending entry, libvirt untouched. */
    private void crashedAttach(String mac, int vlan) throws IOException {
        VirtualFunction before = vf(VF0);
        SimulatedKernel k = new SimulatedKernel(fixture.host);
        k.setVfMac("enp1s0f0", 0, mac);
        k.setVfVlan("enp1s0f0", 0, vlan, 0);
        Files.createDirectories(fixture.state);
        Files.writeString(fixture.state.resolve(StateStore.RECORD), """
                {"version":1,"allocations":[{"kind":"hostdev","device":"%s","domain":"ri-a","state":"pending",
                 "pf":"0000:01:00.0","pfNetdev":"enp1s0f0","vfIndex":0,
                 "settings":{"mac":"%s","vlan":%d,"trust":%s,"spoofchk":%s},
                 "previous":{"mac":"%s","vlan":%d,"trust":%s,"spoofchk":%s},"mac":"%s","pid":4242}]}
                """.formatted(VF0, mac, vlan, before.trust(), before.spoofchk(), before.mac().toLowerCase(),
                before.vlan() == null ? 0 : before.vlan(), before.trust(), before.spoofchk(), mac));
        assertEquals(vlan, vf(VF0).vlan());
    }

    @Test
    void anAttachAfterACrashedAttachRecordsTheVfsTrueStateAndADetachRestoresIt() throws Exception {
        VirtualFunction original = vf(VF0);
        crashedAttach("52:54:00:6b:11:11", 777);

        // the same VLAN as the crashed attach: the VF must really carry it (it was rolled back to the original first)
        JsonNode change = json(fixture.cli(), "attach-interface", "ri-b", "--type", "hostdev", "--pf", "enp1s0f0", "--vlan", "777", "--config");
        JsonNode alloc = change.get("allocation");
        assertEquals(VF0, alloc.get("device").asText(), "the rolled-back VF is the first free one again");
        assertTrue(change.get("notes").toString().contains("an interrupted attach"), change.toString());
        VirtualFunction now = vf(VF0);
        assertEquals(alloc.get("settings").get("vlan").asInt(), now.vlan(), "the answer's VLAN is the VF's");
        assertEquals(777, now.vlan());
        assertEquals(alloc.get("settings").get("mac").asText(), now.mac());
        assertEquals(original.mac().toLowerCase(), alloc.get("previous").get("mac").asText(), "previous is the VF before this attach");
        assertEquals(original.vlan() == null ? 0 : original.vlan(), alloc.get("previous").get("vlan").asInt());

        // detaching gives the VF back as it was before any attach, not as the crashed one left it
        json(fixture.cli(), "detach-interface", "ri-b", "--mac", alloc.get("mac").asText(), "--config");
        assertEquals(original.mac(), vf(VF0).mac());
        assertEquals(original.vlan(), vf(VF0).vlan());
    }

    @Test
    void vfListAfterACrashedAttachShowsTheValuesReconciliationLeft() throws Exception {
        VirtualFunction original = vf(VF0);
        crashedAttach("52:54:00:6b:22:22", 55);
        JsonNode list = json(fixture.cli(), "vf", "list", "--pf", "enp1s0f0");
        assertTrue(list.get("reconciled").get(0).asText().contains("an interrupted attach"), list.toString());
        JsonNode row = list.get("vfs").get(0);
        assertEquals(VF0, row.get("address").asText());
        assertEquals(original.mac(), row.get("mac").asText(), "the row shows the restored MAC, not the crashed attach's");
        assertEquals(original.vlan(), row.get("vlan").isNull() ? null : row.get("vlan").asInt());
        assertEquals("free", row.get("state").asText());
        assertFalse(row.get("recorded").asBoolean());
        assertEquals(original.mac(), vf(VF0).mac());
    }

    @Test
    void aFailedFinalSaveAfterLibvirtTookTheNicIsChangedWithAWarningAndTheNextRunCompletesTheRecord() throws Exception {
        Path record = fixture.state.resolve(StateStore.RECORD);
        Path saved = tmp.resolve("pending-record.json");
        // the disk "fills" once libvirt has the NIC: the record can no longer be replaced (rename over a non-empty
        // directory fails, even for root), so the held save fails after the pending one succeeded
        Wiring.Replacement failingAfterAttach = s -> s.libvirt(uri -> new ForwardingGateway(fixture.libvirt.gateway()) {
            @Override
            public void attachDevice(String domain, String deviceXml, DeviceScope scope) {
                super.attachDevice(domain, deviceXml, scope);
                fill();
            }

            @Override
            public String defineDomain(String xml) {
                String name = super.defineDomain(xml); // the test driver attaches --config by redefining
                fill();
                return name;
            }

            private void fill() {
                try {
                    if (Files.isRegularFile(record)) {
                        Files.move(record, saved);
                        Files.createDirectories(record.resolve("full"));
                    }
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }

            @Override
            public void close() {
            }
        });
        CliRunner.Result r = fixture.cli(failingAfterAttach).run("--output", "json", "attach-interface", "ri-a", "--type", "hostdev", "--pf", "enp1s0f0",
                "--vlan", "9", "--config");
        assertEquals(0, r.exitCode(), "libvirt has the NIC: not a failure\n" + r);
        JsonNode change = JSON.readTree(r.out());
        assertTrue(change.get("changed").asBoolean(), r.toString());
        String dev = change.get("allocation").get("device").asText();
        assertTrue(change.get("notes").toString().contains("warning: the NIC is attached"), r.toString());
        assertTrue(r.err().contains("virtwire: warning: the NIC is attached") && r.err().contains("do not attach again"), r.err());
        assertEquals(9, vf(dev).vlan());

        // space comes back: the pending entry that did reach the disk is completed by the next command
        Files.delete(record.resolve("full"));
        Files.delete(record);
        Files.move(saved, record);
        assertEquals("pending", JSON.readTree(record.toFile()).get("allocations").get(0).get("state").asText());
        JsonNode list = json(fixture.cli(), "vf", "list");
        assertTrue(list.get("reconciled").toString().contains("pending attach to 'ri-a' completed"), list.toString());
        JsonNode entry = JSON.readTree(record.toFile()).get("allocations").get(0);
        assertEquals(dev + " ri-a held", entry.get("device").asText() + " " + entry.get("domain").asText() + " " + entry.get("state").asText());
        assertEquals(9, vf(dev).vlan(), "completing the record keeps the VF as attached");
        List<String> vfs = DomainXml.parse(fixture.libvirt.gateway().domainXml("ri-a", true)).interfaces().stream()
                .filter(i -> i instanceof HostdevInterface).map(i -> ((HostdevInterface) i).vf().toString()).toList();
        assertEquals(List.of(dev), vfs, "one VF in the domain");
    }

    @Test
    void aFifoOrSymlinkAsTheLockFileIsAPromptExit6NotAHang() throws Exception {
        Files.createDirectories(fixture.state);
        Path lock = fixture.state.resolve(StateStore.LOCK);
        Process mkfifo = new ProcessBuilder("mkfifo", lock.toString()).inheritIO().start();
        assertEquals(0, mkfifo.waitFor(), "mkfifo (coreutils) is needed for this test");
        CliRunner c = fixture.cli().env("VIRTWIRE_LOCK_TIMEOUT", "2");
        for (String[] cmd : List.of(new String[] {"vf", "list"},
                new String[] {"attach-interface", "ri-a", "--type", "hostdev", "--pf", "enp1s0f0", "--config"})) {
            CliRunner.Result r = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(10), () -> c.run(cmd));
            assertEquals(ExitCode.HOST_ERROR, r.exitCode(), r.toString());
            assertTrue(r.err().contains("the lock file " + lock + " is not a regular file") && r.err().contains("rm " + lock), r.err());
        }
        Files.delete(lock);
        Path victim = tmp.resolve("victim");
        Files.createSymbolicLink(lock, victim);
        CliRunner.Result r = c.run("vf", "list");
        assertEquals(ExitCode.HOST_ERROR, r.exitCode(), r.toString());
        assertTrue(r.err().contains("the lock file " + lock + " is a symbolic link"), r.err());
        assertFalse(Files.exists(victim), "the link was not followed");
        assertTrue(DomainXml.parse(fixture.libvirt.gateway().domainXml("ri-a", true)).interfaces().isEmpty(), "nothing attached");
    }

    static Stream<Arguments> corruptRecords() throws IOException {
        List<Arguments> out = new ArrayList<>();
        try (InputStream in = RecordIntegrityTest.class.getResourceAsStream("/corrupt-records/expected.tsv")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    String[] f = line.split("\t", 2);
                    out.add(Arguments.of(f[0], f[1]));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corruptRecords")
    void aCorruptRecordIsRefusedNamingTheEntryAndFieldAndNothingChanges(String file, String problem) throws Exception {
        byte[] bytes;
        try (InputStream in = RecordIntegrityTest.class.getResourceAsStream("/corrupt-records/" + file)) {
            bytes = in.readAllBytes();
        }
        Files.createDirectories(fixture.state);
        Path record = fixture.state.resolve(StateStore.RECORD);
        Files.write(record, bytes);
        Map<String, String> hostBefore = TreeSnapshot.of(fixture.host);
        for (String[] cmd : List.of(new String[] {"vf", "list"},
                new String[] {"attach-interface", "ri-a", "--type", "hostdev", "--pf", "enp1s0f0", "--vlan", "5", "--config"})) {
            CliRunner.Result r = fixture.cli().run(cmd);
            assertEquals(ExitCode.HOST_ERROR, r.exitCode(), r.toString());
            assertTrue(r.err().contains("the allocation record " + record + " is invalid: " + problem), r.err());
            assertTrue(r.err().contains("nothing was changed") && r.err().contains("mv " + record), r.err());
            assertFalse(r.err().contains("Exception"), r.err());
        }
        assertEquals(new String(bytes, StandardCharsets.UTF_8), Files.readString(record), "the record is left as it was");
        assertEquals(hostBefore, TreeSnapshot.of(fixture.host), "no VF was touched");
        assertTrue(DomainXml.parse(fixture.libvirt.gateway().domainXml("ri-a", true)).interfaces().isEmpty(), "nothing attached");
        try (Stream<Path> files = Files.list(fixture.state)) {
            assertEquals(List.of(StateStore.RECORD, StateStore.LOCK), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }
}
