package io.virtwire.provisioner.cli;

import static io.virtwire.provisioner.cli.CliRunner.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.virtwire.provisioner.forwarder.ForwarderClient;
import io.virtwire.provisioner.forwarder.RecordingForwarder;
import io.virtwire.provisioner.host.FixtureHosts;
import io.virtwire.provisioner.host.HostInventoryReader;
import io.virtwire.provisioner.host.TreeSnapshot;
import io.virtwire.provisioner.host.VirtualFunction;
import io.virtwire.provisioner.host.sim.SimulatedKernel;
import io.virtwire.provisioner.state.StateStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * issue 19: commands that only read (vf list --no-reconcile, attach-interface --print-xml with allocation, which
 * Ansible's check mode and vmnet_info run) report what reconciliation would do and change nothing: not the record,
 * not a VF's settings, not a forwarder port, not even the state directory or its lock file.
 */
class DryRunReconcileTest {

    private static final List<String> DOMAINS = List.of("dr-a", "dr-b");
    /** VF 0 of enp1s0f0 on the i350 fixture. */
    private static final String VF0 = "0000:02:10.0";

    @TempDir
    Path tmp;

    private SharedTestConnection libvirt;
    private RecordingForwarder forwarder;
    private Path host;
    private Path state;
    private String socket;

    @BeforeEach
    void setUp() {
        libvirt = SharedTestConnection.withoutLeftovers();
        forwarder = new RecordingForwarder();
        host = FixtureHosts.materialize("i350-igb-8vfs", tmp.resolve("host"));
        state = tmp.resolve("state");
        socket = tmp.resolve("run").resolve("dr-a-0.sock").toString();
        for (String d : DOMAINS) {
            ok(cli().run("define-domain", "--template", "vhostuser-memfd", "--name", d, "--virt-type", "qemu", "--memory", "128MiB"));
        }
    }

    @AfterEach
    void tearDown() {
        libvirt.undefineAndClose(DOMAINS);
    }

    private CliRunner cli() {
        return new CliRunner(libvirt.module(), CliRunner.forwarder(forwarder)).fixtureEnv(host, state, tmp.resolve("run"));
    }

    private JsonNode json(String... args) throws Exception {
        return CliRunner.json(cli(), args);
    }

    private VirtualFunction vf(String address) {
        SimulatedKernel k = new SimulatedKernel(host);
        return new HostInventoryReader(k.paths(), k).read().pfs().stream().flatMap(p -> p.vfs().stream())
                .filter(v -> v.address().equals(address)).findFirst().orElseThrow();
    }

    /**
     * What reconciliation must undo: VF 0 recorded as held by dr-b, which does not hold it (its settings are to go
     * back to MAC 52:54:00:99:99:99 VLAN 7), and a vhost-user socket recorded for dr-a, which does not have it (its
     * forwarder port is to go).
     */
    private void plantStaleRecord(boolean withLockFile) throws Exception {
        new SimulatedKernel(host).setVfMac("enp1s0f0", 0, "52:54:00:aa:bb:cc");
        Files.createDirectories(state);
        Files.writeString(state.resolve(StateStore.RECORD), """
                {"version":1,"allocations":[
                 {"kind":"hostdev","device":"%s","domain":"dr-b","state":"held","pf":"0000:01:00.0","pfNetdev":"enp1s0f0","vfIndex":0,
                  "settings":{"mac":"52:54:00:aa:bb:cc","vlan":0,"trust":false,"spoofchk":true},
                  "previous":{"mac":"52:54:00:99:99:99","vlan":7,"trust":false,"spoofchk":true},"mac":"52:54:00:aa:bb:cc"},
                 {"kind":"vhostuser","device":"%s","domain":"dr-a","state":"held","mac":"52:54:00:aa:bb:cd"}]}
                """.formatted(VF0, socket));
        if (withLockFile) {
            Files.createFile(state.resolve(StateStore.LOCK));
        }
        forwarder.addPort(new ForwarderClient.Port("dr-a", socket, "52:54:00:aa:bb:cd", true, 1));
        forwarder.calls.clear();
    }

    @Test
    void vfListNoReconcileSaysWhatItWouldDoAndChangesNothing() throws Exception {
        plantStaleRecord(false);
        Map<String, String> hostBefore = TreeSnapshot.of(host);
        Map<String, String> stateBefore = TreeSnapshot.of(state);

        JsonNode list = json("vf", "list", "--no-reconcile");

        assertEquals(0, list.get("reconciled").size(), list.toString());
        assertFalse(list.get("reconcile").get("applied").asBoolean(), list.toString());
        JsonNode would = list.get("reconcile").get("wouldChange");
        assertEquals(2, would.size(), would.toString());
        assertTrue(would.get(0).asText().contains(VF0) && would.get(0).asText().contains("would be restored"), would.toString());
        assertTrue(would.get(1).asText().contains(socket) && would.get(1).asText().contains("forwarder port would be removed"), would.toString());
        assertEquals(0, list.get("warnings").size(), "asked for, so no warning: " + list);
        JsonNode row = list.get("vfs").get(0);
        assertEquals(VF0, row.get("address").asText());
        assertEquals("52:54:00:aa:bb:cc", row.get("mac").asText(), "the VF as it is, not as it would be");
        assertTrue(row.get("recorded").asBoolean(), "recorded: as the record on disk says");

        assertEquals(hostBefore, TreeSnapshot.of(host), "no VF setting changed");
        assertEquals(stateBefore, TreeSnapshot.of(state), "no record written, no lock file created");
        assertEquals(List.of(), forwarder.calls, "no forwarder port removed");

        // the text form says the same
        CliRunner.Result text = ok(cli().run("vf", "list", "--no-reconcile"));
        assertTrue(text.out().contains("would reconcile: hostdev " + VF0), text.out());

        // and the drift was real: a reconciling vf list restores VF 0 and removes the port
        JsonNode applied = json("vf", "list");
        assertTrue(applied.get("reconcile").get("applied").asBoolean(), applied.toString());
        assertEquals(0, applied.get("reconcile").get("wouldChange").size(), applied.toString());
        assertEquals(2, applied.get("reconciled").size(), applied.toString());
        assertEquals("52:54:00:99:99:99", vf(VF0).mac());
        assertEquals(7, vf(VF0).vlan());
        assertEquals(List.of("remove " + socket), forwarder.calls);
    }

    @Test
    void printXmlOfAnAllocationReconcilesInMemoryOnlyAndPicksAsARealRunWould() throws Exception {
        plantStaleRecord(true);
        Map<String, String> hostBefore = TreeSnapshot.of(host);
        Map<String, String> stateBefore = TreeSnapshot.of(state);

        JsonNode preview = json("attach-interface", "dr-a", "--type", "hostdev", "--pf", "enp1s0f0", "--mac", "52:54:00:12:00:01",
                "--vlan", "8", "--config", "--print-xml");

        assertEquals("pending", preview.get("allocation").get("state").asText());
        // VF 0 is free once the stale entry is released, as a real run releases it first
        assertEquals(VF0, preview.get("allocation").get("device").asText(), preview.toString());
        String notes = preview.get("notes").toString();
        assertTrue(notes.contains("would reconcile: hostdev " + VF0 + ": released from 'dr-b'"), notes);
        assertFalse(notes.contains("\"reconciled:"), notes);
        assertEquals(hostBefore, TreeSnapshot.of(host), "no VF setting changed");
        assertEquals(stateBefore, TreeSnapshot.of(state), "no record written");
        assertEquals(List.of(), forwarder.calls, "no forwarder port removed");

        JsonNode real = json("attach-interface", "dr-a", "--type", "hostdev", "--pf", "enp1s0f0", "--mac", "52:54:00:12:00:01",
                "--vlan", "8", "--config");
        assertEquals(VF0, real.get("allocation").get("device").asText(), "the preview named the VF a real run takes");
        assertTrue(real.get("notes").toString().contains("reconciled: hostdev " + VF0), real.toString());
        assertEquals(8, vf(VF0).vlan());
        assertEquals("52:54:00:99:99:99", real.get("allocation").get("previous").get("mac").asText(), "restored before it was taken");
    }

    @Test
    void dryRunsCreateNoStateDirectory() throws Exception {
        Map<String, String> hostBefore = TreeSnapshot.of(host);

        json("vf", "list", "--no-reconcile", "--pf", "enp1s0f0");
        json("attach-interface", "dr-a", "--type", "hostdev", "--pf", "enp1s0f0", "--config", "--print-xml");
        json("attach-interface", "dr-a", "--type", "vhostuser", "--config", "--print-xml");

        assertFalse(Files.exists(state), "a dry run creates neither " + state + " nor its lock file");
        assertFalse(Files.exists(tmp.resolve("run")), "nor the socket directory");
        assertEquals(hostBefore, TreeSnapshot.of(host));
        assertEquals(List.of(), forwarder.calls);
    }
}
