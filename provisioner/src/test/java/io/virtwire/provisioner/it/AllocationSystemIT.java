package io.virtwire.provisioner.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtwire.provisioner.cli.CliRunner;
import io.virtwire.provisioner.cli.LifecycleContexts;
import io.virtwire.provisioner.host.FixtureHosts;
import io.virtwire.provisioner.host.HostInventoryReader;
import io.virtwire.provisioner.host.VirtualFunction;
import io.virtwire.provisioner.host.sim.SimulatedKernel;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import io.virtwire.provisioner.libvirt.LibvirtJavaGateway;
import io.virtwire.provisioner.libvirt.xml.DomainXml;
import io.virtwire.provisioner.libvirt.xml.HostdevInterface;
import io.virtwire.provisioner.lifecycle.StateStore;
import io.virtwire.provisioner.model.PciAddress;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Allocation against the real libvirtd (qemu:///system) with bin/virtwire run as separate processes, as operators
 * and Ansible run it: 32 concurrent attach-interface --pf never share a VF, and a kill -9 between the host change and
 * the libvirt attach is repaired by the next command. Domains are defined inactive (no VFIO here: --config only).
 */
class AllocationSystemIT {

    private static final String URI = "qemu:///system";
    private static final int N = 32;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private final String prefix = "vw-lc-" + ProcessHandle.current().pid() + "-";
    private final List<String> domains = new ArrayList<>();
    private Path host;
    private Path state;

    @BeforeEach
    void setUp() {
        host = FixtureHosts.materialize("82599-ixgbe-aer", tmp.resolve("host"));
        SimulatedKernel kernel = new SimulatedKernel(host);
        kernel.setNumVfs(PciAddress.parse("0000:04:00.0"), 0);
        kernel.setNumVfs(PciAddress.parse("0000:04:00.0"), N + 8);
        state = tmp.resolve("state");
    }

    @AfterEach
    void cleanUp() {
        try (LibvirtGateway gw = LibvirtJavaGateway.open(URI)) {
            for (String d : domains) {
                if (gw.domainNames().contains(d)) {
                    if (gw.domain(d).active()) {
                        gw.destroy(d);
                    }
                    gw.undefine(d);
                }
            }
        }
    }

    private void define(LibvirtGateway gw, String name) {
        gw.defineDomain("<domain type='qemu'><name>" + name + "</name><memory unit='MiB'>64</memory>"
                + "<os><type arch='x86_64'>hvm</type></os></domain>");
        domains.add(name);
    }

    private static Path launcher() {
        Path bin = Path.of(System.getProperty("virtwire.root", "..")).resolve("bin/virtwire").toAbsolutePath().normalize();
        assertTrue(Files.isExecutable(bin), bin + " is missing");
        return bin;
    }

    private ProcessBuilder virtwire(String... args) {
        List<String> cmd = new ArrayList<>(List.of(launcher().toString(), "-c", URI, "--host-root", host.toString(), "--state-dir", state.toString()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    private VirtualFunction vf(String address) {
        SimulatedKernel k = new SimulatedKernel(host);
        return new HostInventoryReader(k.paths(), k).read().pfs().stream().flatMap(p -> p.vfs().stream())
                .filter(v -> v.address().equals(address)).findFirst().orElseThrow();
    }

    private Map<String, String> recordByDevice() throws IOException {
        Map<String, String> out = new HashMap<>();
        Path f = state.resolve(StateStore.RECORD);
        if (Files.exists(f)) {
            for (JsonNode a : JSON.readTree(f.toFile()).get("allocations")) {
                out.put(a.get("device").asText(), a.get("domain").asText() + "/" + a.get("state").asText());
            }
        }
        return out;
    }

    @Test
    void thirtyTwoConcurrentProcessesNeverShareAVfAndTheRecordMatchesLibvirt() throws Exception {
        try (LibvirtGateway gw = LibvirtJavaGateway.open(URI)) {
            for (int i = 0; i < N; i++) {
                define(gw, prefix + i);
            }
            List<Process> procs = new ArrayList<>();
            for (int i = 0; i < N; i++) {
                Path out = tmp.resolve("out-" + i + ".json");
                Path err = tmp.resolve("err-" + i + ".txt");
                procs.add(virtwire("--output", "json", "attach-interface", prefix + i, "--type", "hostdev", "--pf", "0000:04:00.0",
                        "--vlan", String.valueOf(100 + i), "--config").redirectOutput(out.toFile()).redirectError(err.toFile()).start());
            }
            Set<String> handedOut = new HashSet<>();
            for (int i = 0; i < N; i++) {
                assertTrue(procs.get(i).waitFor(10, TimeUnit.MINUTES), "process " + i + " did not finish");
                String err = Files.readString(tmp.resolve("err-" + i + ".txt"));
                assertEquals(0, procs.get(i).exitValue(), "process " + i + ": " + err);
                JsonNode change = JSON.readTree(tmp.resolve("out-" + i + ".json").toFile());
                String dev = change.get("allocation").get("device").asText();
                assertTrue(handedOut.add(dev), "VF " + dev + " handed out twice");
                assertEquals(100 + i, vf(dev).vlan(), "VF " + dev + " carries process " + i + "'s VLAN");
                assertEquals(change.get("allocation").get("mac").asText(), vf(dev).mac());
            }
            assertEquals(N, handedOut.size());

            // the record and libvirt agree, device by device
            Map<String, String> libvirt = new HashMap<>();
            for (String d : domains) {
                for (var i : DomainXml.parse(gw.domainXml(d, true)).interfaces()) {
                    if (i instanceof HostdevInterface h) {
                        libvirt.put(h.vf().toString(), d + "/held");
                    }
                }
            }
            assertEquals(libvirt, recordByDevice());
        }
    }

    @Test
    void killDashNineBetweenHostChangeAndAttachIsRepairedByTheNextCommand() throws Exception {
        String domain = prefix + "kill";
        try (LibvirtGateway gw = LibvirtJavaGateway.open(URI)) {
            define(gw, domain);
        }
        ProcessBuilder pb = virtwire("attach-interface", domain, "--type", "hostdev", "--pf", "0000:04:00.0", "--mac", "52:54:00:6b:11:11",
                "--vlan", "77", "--config");
        pb.environment().put(LifecycleContexts.PAUSE_ENV, "120");
        Process p = pb.start();
        try (BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = err.readLine()) != null && !line.contains(LifecycleContexts.PAUSE_MARKER)) {
                // wait for the pause
            }
            // the message is a supplier: building it must not wait for the process
            assertTrue(line != null, () -> "the attach ended before its test pause (exit " + p.exitValue() + ")");
            p.destroyForcibly(); // SIGKILL: no shutdown hooks, no finally blocks
            p.waitFor();
        }
        // the crash left its trace: the VF configured and a pending entry, libvirt untouched
        Map<String, String> rec = recordByDevice();
        assertEquals(1, rec.size(), rec.toString());
        String dev = rec.keySet().iterator().next();
        assertEquals(domain + "/pending", rec.get(dev));
        assertEquals("52:54:00:6b:11:11", vf(dev).mac());
        assertEquals(77, vf(dev).vlan());

        // any next command reconciles: the VF is restored and released, nothing leaks
        CliRunner.Result list = new CliRunner().env("LIBVIRT_DEFAULT_URI", URI).run("--host-root", host.toString(), "--state-dir",
                state.toString(), "--output", "json", "vf", "list", "--pf", "0000:04:00.0");
        assertEquals(0, list.exitCode(), list.toString());
        JsonNode out = JSON.readTree(list.out());
        assertTrue(out.get("reconciled").get(0).asText().contains("an interrupted attach"), out.toString());
        assertEquals(VirtualFunction.ZERO_MAC, vf(dev).mac());
        assertEquals(0, vf(dev).vlan());
        assertTrue(recordByDevice().isEmpty());
        try (LibvirtGateway gw = LibvirtJavaGateway.open(URI)) {
            assertTrue(DomainXml.parse(gw.domainXml(domain, true)).interfaces().isEmpty());
        }
        // and the VF is free again for the same request
        Process again = virtwire("--output", "json", "attach-interface", domain, "--type", "hostdev", "--pf", "0000:04:00.0", "--config")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String json = new String(again.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, again.waitFor());
        assertFalse(JSON.readTree(json).get("allocation").get("device").asText().isEmpty());
        assertEquals(domain + "/held", recordByDevice().values().iterator().next());
    }
}
