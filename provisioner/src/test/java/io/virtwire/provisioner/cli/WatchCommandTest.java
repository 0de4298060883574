package io.virtwire.provisioner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtwire.provisioner.host.FixtureHosts;
import io.virtwire.provisioner.host.HostInventoryReader;
import io.virtwire.provisioner.host.VirtualFunction;
import io.virtwire.provisioner.host.sim.SimulatedKernel;
import io.virtwire.provisioner.libvirt.LibvirtConnector;
import io.virtwire.provisioner.libvirt.RecordingGateway;
import io.virtwire.provisioner.state.StateStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Seed 004 on the 82599 fixture: an AER error on the PF, then the watcher's recovery. */
class WatchCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String VF = "0000:04:10.0";
    private static final String MAC = "52:54:00:04:00:04";

    @TempDir
    Path tmp;

    private Path host;
    private Path state;
    private RecordingGateway libvirt;

    @BeforeEach
    void setUp() throws Exception {
        host = FixtureHosts.materialize("82599-ixgbe-aer", tmp.resolve("host"));
        state = tmp.resolve("state");
        Files.createDirectories(state);
        Files.writeString(state.resolve(StateStore.RECORD), """
                {"version":1,"allocations":[{"kind":"hostdev","device":"%s","domain":"guest1","state":"held",
                 "pf":"0000:04:00.0","pfNetdev":"ens1f0","vfIndex":0,
                 "settings":{"mac":"%s","vlan":100,"trust":false,"spoofchk":true},
                 "previous":{"mac":"00:00:00:00:00:00","vlan":0,"trust":false,"spoofchk":true},"mac":"%s"}]}
                """.formatted(VF, MAC, MAC));
        SimulatedKernel k = new SimulatedKernel(host);
        k.setVfMac("ens1f0", 0, MAC);
        k.setVfVlan("ens1f0", 0, 100, 0);
        libvirt = new RecordingGateway().running("guest1", """
                <domain type='kvm'><name>guest1</name><memory unit='MiB'>1024</memory><os><type>hvm</type></os><devices>
                <interface type='hostdev' managed='yes'><mac address='%s'/><source><address type='pci' domain='0x0000' bus='0x04' slot='0x10' function='0x0'/></source><vlan><tag id='100'/></vlan></interface>
                </devices></domain>""".formatted(MAC));
    }

    private CliRunner cli() {
        return new CliRunner(s -> s.libvirt(uri -> libvirt)).env("VIRTWIRE_HOST_ROOT", host.toString()).env("VIRTWIRE_STATE_DIR", state.toString());
    }

    private JsonNode once(String policy) throws Exception {
        CliRunner.Result r = cli().run("--output", "json", "watch", "--once", "--policy", policy);
        assertEquals(0, r.exitCode(), r.toString());
        return JSON.readTree(r.out());
    }

    /** What the kernel's AER recovery leaves: the counter up, and the PF reset wiped the VF's admin settings. */
    private void aerErrorOnThePf(int nonfatal) throws Exception {
        // settings wiped before the counter moves: a watcher polling in between must not see the error with the
        // old settings still in place (it would find them intact and the test would race it)
        SimulatedKernel k = new SimulatedKernel(host);
        k.setVfMac("ens1f0", 0, VirtualFunction.ZERO_MAC);
        k.setVfVlan("ens1f0", 0, 0, 0);
        Path f = host.resolve("sys/devices/pci0000:00/0000:00:03.0/0000:04:00.0/aer_dev_nonfatal");
        Path next = f.resolveSibling(f.getFileName() + ".next");
        Files.writeString(next, Files.readString(f).replaceAll("TOTAL_ERR_NONFATAL \\d+", "TOTAL_ERR_NONFATAL " + nonfatal)
                .replaceAll("CmpltAbrt \\d+", "CmpltAbrt " + (nonfatal - 2)));
        Files.move(next, f, java.nio.file.StandardCopyOption.ATOMIC_MOVE); // a polling watcher never reads half a file
    }

    private VirtualFunction vf() {
        SimulatedKernel k = new SimulatedKernel(host);
        return new HostInventoryReader(k.paths(), k).read().pfs().stream().flatMap(p -> p.vfs().stream())
                .filter(v -> v.address().equals(VF)).findFirst().orElseThrow();
    }

    @Test
    void firstSampleIsABaselineThenARisingNonfatalCounterIsRecoveredAndTheVfReplugged() throws Exception {
        assertEquals(0, once("reattach").get("events").size());
        assertEquals(0, once("reattach").get("events").size(), "unchanged counters are no event");

        aerErrorOnThePf(3);
        JsonNode report = once("reattach");
        assertEquals(1, report.get("events").size(), report.toString());
        JsonNode e = report.get("events").get(0);
        assertEquals("0000:04:00.0", e.get("pf").asText());
        assertEquals("nonfatal", e.get("severity").asText());
        assertEquals(2, e.get("before").get("nonfatal").asInt());
        assertEquals(3, e.get("after").get("nonfatal").asInt());
        assertTrue(e.get("actions").get(0).asText().contains("re-applied ip link set ens1f0 vf 0 mac " + MAC), e.toString());
        assertTrue(e.get("actions").get(1).asText().contains("unplugged from and re-plugged into 'guest1'"), e.toString());
        assertEquals(MAC, vf().mac());
        assertEquals(100, vf().vlan());
        assertEquals(List.of("detach guest1 live " + VF, "attach guest1 live " + VF), libvirt.calls);
        String log = Files.readString(state.resolve(WatchCommand.LOG));
        assertTrue(log.contains("AER nonfatal error: correctable 5->5, nonfatal 2->3, fatal 0->0"), log);

        // nothing rose since: no second recovery
        assertEquals(0, once("reattach").get("events").size());
    }

    @Test
    void reportPolicyReappliesSettingsButLeavesGuestsAlone() throws Exception {
        once("report");
        aerErrorOnThePf(4);
        JsonNode e = once("report").get("events").get(0);
        assertEquals(MAC, vf().mac());
        assertTrue(e.get("actions").toString().contains("policy report: guests not touched"), e.toString());
        assertEquals(List.of(), libvirt.calls);
    }

    @Test
    void theForegroundLoopHandlesAnErrorThatHappensWhileItRuns() throws Exception {
        CliRunner.Result[] result = new CliRunner.Result[1];
        Thread t = new Thread(() -> result[0] = cli().run("watch", "--interval", "0.1", "--policy", "reattach"));
        t.start();
        Path log = state.resolve(WatchCommand.LOG);
        long end = System.nanoTime() + 20_000_000_000L;
        while (!(Files.exists(log) && Files.readString(log).contains("baseline")) && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        aerErrorOnThePf(3);
        while (!Files.readString(log).contains("re-plugged") && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        t.interrupt();
        t.join(10_000);
        assertEquals(0, result[0].exitCode(), "an interrupted watcher ends normally: " + result[0]);
        assertTrue(Files.readString(log).contains("re-plugged into 'guest1'"), Files.readString(log));
        assertEquals(MAC, vf().mac());
    }

    @Test
    void badIntervalIsRefused() {
        CliRunner.Result r = cli().run("watch", "--interval", "0");
        assertEquals(ExitCode.INVALID_INPUT, r.exitCode());
        assertTrue(r.err().contains("invalid --interval 0.0"), r.err());
    }
}
