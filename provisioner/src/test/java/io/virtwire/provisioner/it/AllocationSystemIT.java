package io.virtwire.provisioner.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtwire.provisioner.cli.CliRunner;
import io.virtwire.provisioner.host.FixtureHosts;
import io.virtwire.provisioner.host.HostInventoryReader;
import io.virtwire.provisioner.host.VirtualFunction;
import io.virtwire.provisioner.host.sim.SimulatedKernel;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import io.virtwire.provisioner.libvirt.LibvirtJavaGateway;
import io.virtwire.provisioner.libvirt.xml.DomainXml;
import io.virtwire.provisioner.libvirt.xml.HostdevInterface;
import io.virtwire.provisioner.model.PciAddress;
import io.virtwire.provisioner.state.StateStore;
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

    /** Like {@link #virtwire}, through {@link PausingVirtwire}: pauses {@code seconds} just before libvirt attaches. */
    private ProcessBuilder pausingVirtwire(int seconds, String... args) {
        List<String> all = new ArrayList<>(List.of("-c", URI, "--host-root", host.toString(), "--state-dir", state.toString()));
        all.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(PausingVirtwire.command(launcher().getParent().getParent(), all));
        pb.environment().put(PausingVirtwire.PAUSE_ENV, String.valueOf(seconds));
        return pb;
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

    /** Starts an attach with the test pause and kills it with SIGKILL once it has paused after the host change. */
    private void attachKilledAtThePause(String domain, String mac, int vlan) throws Exception {
        ProcessBuilder pb = pausingVirtwire(120, "attach-interface", domain, "--type", "hostdev", "--pf", "0000:04:00.0", "--mac", mac,
                "--vlan", String.valueOf(vlan), "--config");
        Process p = pb.start();
        try (BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = err.readLine()) != null && !line.contains(PausingVirtwire.MARKER)) {
                // wait for the pause
            }
            // the message is a supplier: building it must not wait for the process
            assertTrue(line != null, () -> "the attach ended before its test pause (exit " + p.exitValue() + ")");
            p.destroyForcibly(); // SIGKILL: no shutdown hooks, no finally blocks
            p.waitFor();
        }
    }

    private JsonNode runJson(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--output", "json"));
        all.addAll(List.of(args));
        Process p = virtwire(all.toArray(String[]::new)).start();
        byte[] err = p.getErrorStream().readAllBytes();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), () -> String.join(" ", args) + ": " + new String(err, StandardCharsets.UTF_8));
        return JSON.readTree(out);
    }

    /**
     * The finding: after a crashed attach, the next attach read the host before reconciliation restored the VF, so its
     * answer said VLAN 777 while the VF was at 0, its {@code previous} was the crashed attach's settings, and a detach
     * then left the free VF with that stale MAC and VLAN. Each round: kill an attach at the pause, attach another
     * domain with the same VLAN, compare the answer with the simulated host, detach, and compare every VF with how it
     * started.
     */
    @Test
    void anAttachAfterAKilledAttachTellsTheTruthTwentyTimesOver() throws Exception {
        String crashed = prefix + "crash";
        String next = prefix + "next";
        try (LibvirtGateway gw = LibvirtJavaGateway.open(URI)) {
            define(gw, crashed);
            define(gw, next);
        }
        Map<String, VirtualFunction> original = new HashMap<>();
        SimulatedKernel k = new SimulatedKernel(host);
        new HostInventoryReader(k.paths(), k).read().pfs().stream().flatMap(p -> p.vfs().stream()).forEach(v -> original.put(v.address(), v));
        List<String> wrong = new ArrayList<>();
        for (int round = 0; round < 20; round++) {
            String crashMac = String.format("52:54:00:6b:%02x:11", round);
            attachKilledAtThePause(crashed, crashMac, 777);
            JsonNode change = runJson("attach-interface", next, "--type", "hostdev", "--pf", "0000:04:00.0", "--vlan", "777", "--config");
            JsonNode a = change.get("allocation");
            String dev = a.get("device").asText();
            VirtualFunction now = vf(dev);
            VirtualFunction before = original.get(dev);
            if (now.vlan() == null || now.vlan() != a.get("settings").get("vlan").asInt() || now.vlan() != 777) {
                wrong.add("round " + round + ": the answer says vlan " + a.get("settings").get("vlan") + ", VF " + dev + " is at " + now.vlan());
            }
            if (!a.get("settings").get("mac").asText().equals(now.mac())) {
                wrong.add("round " + round + ": the answer says mac " + a.get("settings").get("mac") + ", VF " + dev + " has " + now.mac());
            }
            if (!a.get("previous").get("mac").asText().equals(before.mac().toLowerCase())
                    || a.get("previous").get("vlan").asInt() != (before.vlan() == null ? 0 : before.vlan())) {
                wrong.add("round " + round + ": previous " + a.get("previous") + " is not VF " + dev + "'s pre-attach " + before.mac() + "/" + before.vlan());
            }
            runJson("detach-interface", next, "--mac", a.get("mac").asText(), "--config");
            // the next command (here: the crashed attach's round after this) reconciles the crash; the detach already did
            for (Map.Entry<String, VirtualFunction> e : original.entrySet()) {
                VirtualFunction v = vf(e.getKey());
                if (!v.mac().equals(e.getValue().mac()) || !java.util.Objects.equals(v.vlan(), e.getValue().vlan())) {
                    wrong.add("round " + round + ": free VF " + e.getKey() + " kept " + v.mac() + "/vlan " + v.vlan() + " after the detach (was "
                            + e.getValue().mac() + "/" + e.getValue().vlan() + ")");
                }
            }
            assertTrue(recordByDevice().isEmpty(), "round " + round + ": " + recordByDevice());
        }
        assertEquals(List.of(), wrong);
    }

    /**
     * The disk fills between the pending and the held save (a 1 MiB tmpfs as the state directory, filled during the
     * test pause): libvirt has the NIC, so the attach exits 0 with changed:true and a warning, and the next command
     * completes the record from libvirt; an operator has no reason to retry, and the domain has one VF.
     */
    @Test
    void aFullDiskAfterLibvirtTookTheNicIsSuccessWithAWarning() throws Exception {
        assertEquals("root", System.getProperty("user.name"), "this test mounts a tmpfs: run it as root");
        String domain = prefix + "full";
        try (LibvirtGateway gw = LibvirtJavaGateway.open(URI)) {
            define(gw, domain);
        }
        Files.createDirectories(state);
        mount("-t", "tmpfs", "-o", "size=1m,mode=0755", "vw-sprov-state", state.toString());
        try {
            ProcessBuilder pb = pausingVirtwire(3, "--output", "json", "attach-interface", domain, "--type", "hostdev", "--pf", "0000:04:00.0",
                    "--vlan", "31", "--config");
            Process p = pb.start();
            StringBuilder err = new StringBuilder();
            Path filler = state.resolve("filler");
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null && !line.contains(PausingVirtwire.MARKER)) {
                    err.append(line).append('\n');
                }
                assertTrue(line != null, "the attach ended before its pause: " + err);
                // fill the file system while the attach sleeps after its pending save
                try (var out = Files.newOutputStream(filler)) {
                    byte[] block = new byte[4096];
                    while (true) {
                        out.write(block);
                        out.flush();
                    }
                } catch (IOException full) {
                    assertTrue(full.getMessage().contains("No space left"), full.toString());
                }
                while ((line = r.readLine()) != null) {
                    err.append(line).append('\n');
                }
            }
            String json = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), "libvirt has the NIC: not a failure\n" + err + json);
            JsonNode change = JSON.readTree(json);
            assertTrue(change.get("changed").asBoolean(), json);
            String dev = change.get("allocation").get("device").asText();
            assertTrue(change.get("notes").toString().contains("warning: the NIC is attached"), json);
            assertTrue(err.toString().contains("virtwire: warning: the NIC is attached") && err.toString().contains("No space left"), err.toString());
            assertEquals(domain + "/pending", recordByDevice().get(dev), "the pending entry is what reached the disk");

            Files.delete(filler);
            JsonNode list = runJson("vf", "list", "--pf", "0000:04:00.0");
            assertTrue(list.get("reconciled").toString().contains("pending attach to '" + domain + "' completed"), list.toString());
            assertEquals(Map.of(dev, domain + "/held"), recordByDevice());
            assertEquals(31, vf(dev).vlan());
            try (LibvirtGateway gw = LibvirtJavaGateway.open(URI)) {
                assertEquals(1, DomainXml.parse(gw.domainXml(domain, true)).interfaces().size());
            }
            try (var files = Files.list(state)) {
                assertEquals(List.of(StateStore.RECORD, StateStore.LOCK), files.map(f -> f.getFileName().toString()).sorted().toList(),
                        "no temp file is left");
            }
        } finally {
            mount("-u", state.toString());
        }
    }

    private static void mount(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (args[0].equals("-u")) {
            cmd.addAll(List.of("umount", args[1]));
        } else {
            cmd.add("mount");
            cmd.addAll(List.of(args));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
    }

    @Test
    void killDashNineBetweenHostChangeAndAttachIsRepairedByTheNextCommand() throws Exception {
        String domain = prefix + "kill";
        try (LibvirtGateway gw = LibvirtJavaGateway.open(URI)) {
            define(gw, domain);
        }
        attachKilledAtThePause(domain, "52:54:00:6b:11:11", 77);
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
        // the listing is of the host after reconciliation, not before it in the same run
        JsonNode row = null;
        for (JsonNode r : out.get("vfs")) {
            if (r.get("address").asText().equals(dev)) {
                row = r;
            }
        }
        assertTrue(row != null, out.toString());
        assertEquals(VirtualFunction.ZERO_MAC, row.get("mac").asText(), row.toString());
        assertEquals(0, row.get("vlan").asInt(), row.toString());
        assertEquals("free", row.get("state").asText(), row.toString());
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

    /**
     * Plain PCI passthrough on the same allocation (issue 19): attach-hostdev --pf and attach-interface --pf run
     * concurrently as separate processes never share a VF, the record matches libvirt's {@code <hostdev>}s and
     * {@code <interface type='hostdev'>}s, the real libvirtd's XML passes libvirt's schema, a passed-through VF keeps
     * its settings, a kill -9 at the pause is rolled back by the next command, and detach-hostdev releases the VF.
     */
    @Test
    void attachHostdevSharesTheAllocationWithVfInterfacesAgainstTheRealLibvirtd() throws Exception {
        int n = 8;
        Map<String, VirtualFunction> original = new HashMap<>();
        SimulatedKernel k = new SimulatedKernel(host);
        new HostInventoryReader(k.paths(), k).read().pfs().stream().flatMap(p -> p.vfs().stream()).forEach(v -> original.put(v.address(), v));
        try (LibvirtGateway gw = LibvirtJavaGateway.open(URI)) {
            for (int i = 0; i < n; i++) {
                define(gw, prefix + "hd-" + i);
            }
            List<Process> procs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Path out = tmp.resolve("hd-out-" + i + ".json");
                Path err = tmp.resolve("hd-err-" + i + ".txt");
                String[] args = i % 2 == 0
                        ? new String[] {"--output", "json", "attach-hostdev", prefix + "hd-" + i, "--pf", "0000:04:00.0", "--config"}
                        : new String[] {"--output", "json", "attach-interface", prefix + "hd-" + i, "--type", "hostdev", "--pf", "0000:04:00.0",
                                "--vlan", "200", "--config"};
                procs.add(virtwire(args).redirectOutput(out.toFile()).redirectError(err.toFile()).start());
            }
            Set<String> handedOut = new HashSet<>();
            Map<String, String> passedThrough = new HashMap<>();
            for (int i = 0; i < n; i++) {
                assertTrue(procs.get(i).waitFor(5, TimeUnit.MINUTES), "process " + i + " did not finish");
                assertEquals(0, procs.get(i).exitValue(), "process " + i + ": " + Files.readString(tmp.resolve("hd-err-" + i + ".txt")));
                String dev = JSON.readTree(tmp.resolve("hd-out-" + i + ".json").toFile()).get("allocation").get("device").asText();
                assertTrue(handedOut.add(dev), "VF " + dev + " handed out twice");
                if (i % 2 == 0) {
                    passedThrough.put(dev, prefix + "hd-" + i);
                }
            }
            Map<String, String> libvirt = new HashMap<>();
            for (String d : domains) {
                String xml = gw.domainXml(d, true);
                DomainXml parsed = DomainXml.parse(xml);
                parsed.hostdevs().forEach(h -> libvirt.put(h.source().toString(), d + "/held"));
                for (var i : parsed.interfaces()) {
                    if (i instanceof HostdevInterface h) {
                        libvirt.put(h.vf().toString(), d + "/held");
                    }
                }
                var valid = new io.virtwire.templates.VirtXmlValidator().validate(xml, "domain");
                assertTrue(valid.valid(), d + ": " + valid.output());
            }
            assertEquals(libvirt, recordByDevice());
            for (Map.Entry<String, String> e : passedThrough.entrySet()) {
                assertEquals(1, DomainXml.parse(gw.domainXml(e.getValue(), true)).hostdevs().size());
                VirtualFunction now = vf(e.getKey());
                assertEquals(original.get(e.getKey()).mac(), now.mac(), "a passed-through VF keeps its MAC");
                assertEquals(original.get(e.getKey()).vlan(), now.vlan(), "a passed-through VF keeps its VLAN");
            }

            // kill -9 at the pause before libvirt attaches: the pending entry is rolled back by the next command
            String crashed = prefix + "hd-crash";
            define(gw, crashed);
            Process p = pausingVirtwire(120, "attach-hostdev", crashed, "--pf", "0000:04:00.0", "--config").start();
            try (BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = err.readLine()) != null && !line.contains(PausingVirtwire.MARKER)) {
                    // wait for the pause
                }
                assertTrue(line != null, "the attach-hostdev ended before its test pause");
                p.destroyForcibly();
                p.waitFor();
            }
            assertTrue(recordByDevice().containsValue(crashed + "/pending"), recordByDevice().toString());
            JsonNode list = runJson("vf", "list", "--pf", "0000:04:00.0");
            assertTrue(list.get("reconciled").toString().contains("released from '" + crashed + "' (an interrupted attach"), list.toString());
            assertFalse(recordByDevice().containsValue(crashed + "/pending"), recordByDevice().toString());
            assertTrue(DomainXml.parse(gw.domainXml(crashed, true)).hostdevs().isEmpty());

            // detach-hostdev releases the VF at once
            Map.Entry<String, String> one = passedThrough.entrySet().iterator().next();
            JsonNode detached = runJson("detach-hostdev", one.getValue(), one.getKey(), "--config");
            assertTrue(detached.get("notes").toString().contains("released from '" + one.getValue() + "'"), detached.toString());
            assertFalse(recordByDevice().containsKey(one.getKey()));
            assertTrue(DomainXml.parse(gw.domainXml(one.getValue(), true)).hostdevs().isEmpty());
        }
    }
}
