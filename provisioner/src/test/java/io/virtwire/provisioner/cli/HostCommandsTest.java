package io.virtwire.provisioner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtwire.provisioner.host.FixtureHosts;
import io.virtwire.provisioner.host.TreeSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostCommandsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static CliRunner.Result run(Path root, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--host-root";
        all[1] = root.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return new CliRunner().run(all);
    }

    private static JsonNode json(CliRunner.Result r) throws Exception {
        return JSON.readTree(r.out());
    }

    @Test
    void showJsonCarriesTheInventoryFields() throws Exception {
        CliRunner.Result r = run(FixtureHosts.materialize("i350-igb-8vfs"), "host", "show", "--output", "json");
        assertEquals(0, r.exitCode(), r.toString());
        JsonNode inv = json(r);
        assertEquals("6.1.0-18-amd64", inv.path("kernelRelease").asText());
        assertTrue(inv.path("iommu").path("enabled").asBoolean());
        assertTrue(inv.path("iommu").path("passthrough").asBoolean());
        assertTrue(inv.path("drivers").path("vfio-pci").asBoolean());
        JsonNode pf = inv.path("pfs").get(0);
        assertEquals("0000:01:00.0", pf.path("address").asText());
        assertEquals("igb", pf.path("driver").asText());
        assertEquals("enp1s0f0", pf.path("netdev").asText());
        assertEquals(0, pf.path("numaNode").asInt());
        assertEquals("up", pf.path("link").asText());
        assertEquals(7, pf.path("sriovTotalVfs").asInt());
        assertEquals(4, pf.path("sriovNumVfs").asInt());
        assertEquals(384, pf.path("sriov").path("firstVfOffset").asInt());
        assertEquals(1, pf.path("upstreamBridge").path("busRange").path("secondary").asInt());
        // the JSON contract is exactly the record components, nothing derived from helper methods
        java.util.List<String> acsFields = new java.util.ArrayList<>();
        pf.path("upstreamBridge").path("acs").fieldNames().forEachRemaining(acsFields::add);
        assertEquals(java.util.List.of("offset", "capability", "control"), acsFields);
        assertEquals(0, pf.path("aer").path("nonfatal").asInt());
        JsonNode vf = pf.path("vfs").get(1);
        assertEquals(1, vf.path("index").asInt());
        assertEquals("0000:02:10.4", vf.path("address").asText());
        assertEquals("vfio-pci", vf.path("driver").asText());
        assertEquals("00:00:00:00:00:00", vf.path("mac").asText());
        assertEquals(0, vf.path("vlan").asInt());
        assertFalse(vf.path("trust").asBoolean());
        assertTrue(vf.path("spoofchk").asBoolean());
        assertEquals("17", vf.path("iommuGroup").asText());
        assertTrue(inv.path("iommu").path("groups").isArray());
        assertEquals("2048kB", inv.path("hugepages").get(1).path("size").asText());
    }

    @Test
    void showListsVdpaDevicesAndEswitchModeInText() {
        CliRunner.Result r = run(FixtureHosts.materialize("cx6dx-switchdev"), "host", "show");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("switchdev"), r.out());
        assertTrue(r.out().contains("vdpa0") && r.out().contains("/dev/vhost-vdpa-0") && r.out().contains("vhost_vdpa"), r.out());
        assertTrue(r.out().contains("0x15b3:0x101d"), r.out());
        assertTrue(r.out().contains("Boot:     Rocky Linux 8.4 (Green Obsidian), grubby; next boot: root=/dev/mapper/cl-root ro"), r.out());
    }

    @Test
    void hostRootComesFromTheEnvironmentToo() {
        Path root = FixtureHosts.materialize("k68-uio-iommu");
        CliRunner.Result r = new CliRunner().env("VIRTWIRE_HOST_ROOT", root.toString()).run("host", "show");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("6.8.0-40-generic"), r.out());
    }

    @Test
    void doctorExitsOneOnFailuresWithTheJsonContract() throws Exception {
        CliRunner.Result r = run(FixtureHosts.materialize("iommu-off"), "host", "doctor", "--output", "json");
        assertEquals(ExitCode.FAILED, r.exitCode(), r.toString());
        JsonNode report = json(r);
        assertTrue(report.has("host") && report.has("findings") && report.has("summary"), r.out());
        assertTrue(report.path("summary").path("fail").asInt() > 0);
        JsonNode iommu = null;
        for (JsonNode f : report.path("findings")) {
            assertTrue(f.has("id") && f.has("status") && f.has("evidence") && f.has("fix"), f.toString());
            if (f.path("id").asText().equals("iommu-disabled")) {
                iommu = f;
            }
        }
        assertEquals("fail", iommu.path("status").asText());
        assertEquals("/sys/kernel/iommu_groups", iommu.path("evidence").get(0).path("path").asText());
        assertTrue(iommu.path("fix").asText().contains("intel_iommu=on"), iommu.toString());
    }

    @Test
    void doctorExitsZeroOnAHealthyHostAndTextShowsOnlyProblems() {
        CliRunner.Result ok = run(FixtureHosts.materialize("cx6dx-switchdev"), "host", "doctor");
        assertEquals(0, ok.exitCode(), ok.toString());
        assertTrue(ok.out().strip().endsWith("0 warn, 0 fail (for vm)"), ok.out());
        CliRunner.Result bad = run(FixtureHosts.materialize("82599-ixgbe-aer"), "host", "doctor", "--for", "hostdev");
        assertEquals(ExitCode.FAILED, bad.exitCode());
        assertTrue(bad.out().contains("FAIL  aer-errors  [0000:04:00.0]"), bad.out());
        assertTrue(bad.out().contains("fix: "), bad.out());
        assertFalse(bad.out().contains("hugepages-insufficient"), "hugepages are not a hostdev check: " + bad.out());
    }

    @Test
    void doctorForVdpaOnAnSriovOnlyHostFails() {
        CliRunner.Result r = run(FixtureHosts.materialize("i350-igb-8vfs"), "host", "doctor", "--for", "vdpa");
        assertEquals(ExitCode.FAILED, r.exitCode(), r.toString());
        assertTrue(r.out().contains("vhost-vdpa-missing"), r.out());
        CliRunner.Result badKind = run(FixtureHosts.materialize("i350-igb-8vfs"), "host", "doctor", "--for", "sriov");
        assertEquals(ExitCode.INVALID_INPUT, badKind.exitCode());
        assertTrue(badKind.err().contains("hostdev, vdpa, vhostuser, dpdk"), badKind.err());
    }

    @Test
    void planApplyApplyAgainAndDryRun() throws Exception {
        Path root = FixtureHosts.materialize("i350-igb-8vfs");
        Path yaml = Files.writeString(tmp.resolve("host.yaml"), """
                pfs:
                  - pf: enp1s0f1
                    vfs:
                      - index: 0
                        mac: 52:54:00:aa:00:01
                        vlan: 42
                        driver: vfio-pci
                """);
        Map<String, String> before = TreeSnapshot.of(root);
        CliRunner.Result plan = run(root, "host", "plan", "-f", yaml.toString());
        assertEquals(0, plan.exitCode(), plan.toString());
        assertTrue(plan.out().contains("3 steps") && plan.out().contains("1. ip link set enp1s0f1 vf 0 mac 52:54:00:aa:00:01"), plan.out());
        CliRunner.Result dry = run(root, "host", "apply", "-f", yaml.toString(), "--dry-run", "--output", "json");
        assertEquals(0, dry.exitCode());
        assertEquals(3, json(dry).path("steps").size());
        assertEquals(before, TreeSnapshot.of(root), "plan and --dry-run change nothing");

        CliRunner.Result apply = run(root, "host", "apply", "-f", yaml.toString(), "--output", "json");
        assertEquals(0, apply.exitCode(), apply.toString());
        assertTrue(json(apply).path("changed").asBoolean());
        assertEquals(3, json(apply).path("applied").size());
        CliRunner.Result again = run(root, "host", "apply", "-f", yaml.toString());
        assertEquals(0, again.exitCode());
        assertTrue(again.out().contains("No changes"), again.out());
        CliRunner.Result show = run(root, "host", "show", "--output", "json");
        JsonNode vf0 = json(show).path("pfs").get(1).path("vfs").get(0);
        assertEquals("52:54:00:aa:00:01", vf0.path("mac").asText());
        assertEquals(42, vf0.path("vlan").asInt());
        assertEquals("vfio-pci", vf0.path("driver").asText());
    }

    @Test
    void failedApplyReportsTheStepAndRollsBack() throws Exception {
        Path root = FixtureHosts.materialize("cx6dx-legacy");
        Path yaml = Files.writeString(tmp.resolve("host.yaml"), """
                pfs:
                  - pf: ens2f1
                    vfs:
                      - index: 0
                        trust: true
                vdpa:
                  - name: vdpa1
                    mgmtdev: pci/0000:07:01.2
                """);
        Map<String, String> before = TreeSnapshot.of(root);
        CliRunner.Result r = run(root, "host", "apply", "-f", yaml.toString(), "--output", "json");
        assertEquals(ExitCode.HOST_ERROR, r.exitCode(), r.toString());
        JsonNode report = json(r);
        assertEquals("vdpa dev add name vdpa1 mgmtdev pci/0000:07:01.2", report.path("failedStep").asText());
        assertEquals("HOST", report.path("error").path("kind").asText(), r.out());
        assertTrue(report.path("error").path("message").asText().contains("legacy mode"), r.out());
        assertEquals("ip link set ens2f1 vf 0 trust off", report.path("rolledBack").get(0).asText());
        assertTrue(r.err().contains("step failed: vdpa dev add"), r.err());
        assertEquals(before, TreeSnapshot.of(root));
    }

    @Test
    void badProfilesAreUsageErrorsAndChangeNothing() throws Exception {
        Path root = FixtureHosts.materialize("i350-igb-8vfs");
        Map<String, String> before = TreeSnapshot.of(root);
        Path unknownKey = Files.writeString(tmp.resolve("a.yaml"), "pfs:\n  - pf: enp1s0f0\n    numvfs: 2\n");
        CliRunner.Result r = run(root, "host", "apply", "-f", unknownKey.toString());
        assertEquals(ExitCode.INVALID_INPUT, r.exitCode(), r.toString());
        assertTrue(r.err().contains("line 3: unknown key 'numvfs' in pfs[0]") && r.err().contains("numVfs"), r.err());
        Path unknownPf = Files.writeString(tmp.resolve("b.yaml"), "pfs:\n  - pf: eth9\n    numVfs: 1\n");
        assertEquals(ExitCode.NOT_FOUND, run(root, "host", "apply", "-f", unknownPf.toString()).exitCode());
        Path vlan = Files.writeString(tmp.resolve("c.yaml"), "pfs:\n  - pf: enp1s0f0\n    vfs:\n      - index: 0\n        vlan: 4095\n");
        CliRunner.Result v = run(root, "host", "plan", "-f", vlan.toString(), "--output", "json");
        assertEquals(ExitCode.INVALID_INPUT, v.exitCode());
        assertEquals("INVALID_INPUT", json(v).path("error").path("kind").asText());
        assertEquals(ExitCode.NOT_FOUND, run(root, "host", "plan", "-f", tmp.resolve("missing.yaml").toString()).exitCode());
        assertEquals(before, TreeSnapshot.of(root));
    }

    @Test
    void planJsonSaysWhetherARebootIsNeededAndShowsTheNextBootsCommandLine() throws Exception {
        Path root = FixtureHosts.materialize("k68-uio-iommu");
        Path yaml = Files.writeString(tmp.resolve("k.yaml"), """
                kernel:
                  cmdline: {add: [intel_iommu=on, iommu=pt], remove: [intel_iommu=off]}
                  modules: [vfio-pci]
                """);
        CliRunner.Result plan = run(root, "host", "plan", "-f", yaml.toString(), "--output", "json");
        assertEquals(0, plan.exitCode(), plan.toString());
        JsonNode p = json(plan);
        assertTrue(p.path("rebootRequired").isBoolean() && p.path("rebootRequired").asBoolean(), plan.out());
        assertEquals("BOOT_IMAGE=/vmlinuz-6.8.0-40-generic root=/dev/mapper/ubuntu--vg-ubuntu--lv ro", p.path("cmdline").path("current").asText());
        assertEquals("root=/dev/mapper/ubuntu--vg-ubuntu--lv ro intel_iommu=on iommu=pt", p.path("cmdline").path("nextBoot").asText());
        assertEquals("kernel parameter intel_iommu=on is not in /proc/cmdline", p.path("rebootReasons").get(0).asText());

        // a profile that needs a reboot, applied with --no-reboot-needed: refused, nothing changes
        Map<String, String> before = TreeSnapshot.of(root);
        CliRunner.Result refused = run(root, "host", "apply", "-f", yaml.toString(), "--no-reboot-needed");
        assertEquals(ExitCode.INVALID_INPUT, refused.exitCode(), refused.toString());
        assertTrue(refused.err().contains("--no-reboot-needed: the profile needs a reboot") && refused.err().contains("intel_iommu=on"), refused.err());
        assertEquals(before, TreeSnapshot.of(root));

        CliRunner.Result apply = run(root, "host", "apply", "-f", yaml.toString());
        assertEquals(0, apply.exitCode(), apply.toString());
        assertTrue(apply.out().contains("Reboot required:"), apply.out());
        // the modules alone need no reboot
        Path modules = Files.writeString(tmp.resolve("m.yaml"), "kernel:\n  modules: [vfio-pci]\n");
        CliRunner.Result noReboot = run(root, "host", "plan", "-f", modules.toString(), "--output", "json");
        assertFalse(json(noReboot).path("rebootRequired").asBoolean(), noReboot.out());
        assertEquals(0, run(root, "host", "apply", "-f", modules.toString(), "--no-reboot-needed").exitCode());
    }

    @Test
    void doctorForDpdkPassesAfterSeed000sFixAndVmIsTheDefault() throws Exception {
        Path root = FixtureHosts.materialize("k68-uio-iommu");
        CliRunner.Result before = run(root, "host", "doctor", "--for", "dpdk");
        assertEquals(ExitCode.FAILED, before.exitCode(), before.toString());
        assertTrue(before.out().contains("FAIL  uio-with-iommu") && before.out().contains("FAIL  vfio-interrupt-remapping"), before.out());
        Path yaml = Files.writeString(tmp.resolve("vpp.yaml"), """
                kernel:
                  modules: [vfio-pci]
                  moduleOptions: {vfio_iommu_type1: "allow_unsafe_interrupts=1"}
                pfs:
                  - {pf: 0000:05:00.0, driver: vfio-pci, reserve: dpdk}
                  - {pf: 0000:05:00.1, driver: vfio-pci, reserve: dpdk}
                """);
        assertEquals(0, run(root, "host", "apply", "-f", yaml.toString()).exitCode());
        CliRunner.Result after = run(root, "host", "doctor", "--for", "dpdk", "--output", "json");
        assertEquals(0, after.exitCode(), after.toString());
        for (JsonNode f : json(after).path("findings")) {
            if (f.path("id").asText().equals("pf-on-userspace-driver")) {
                assertEquals("ok", f.path("status").asText(), f.toString());
            }
        }
        CliRunner.Result vm = run(root, "host", "doctor", "--output", "json");
        assertEquals("vm", json(vm).path("purpose").asText());
    }

    @Test
    void bootReappliesTheInstalledProfileAsTheUnitRunsIt() throws Exception {
        // the unit's own ExecStart, so the unit and the CLI cannot drift apart
        List<String> unit = Files.readAllLines(Path.of("../packaging/systemd/virtwire-host.service"));
        assertTrue(unit.contains("Before=libvirtd.service virtqemud.service virtwire-forwarder.service"), unit.toString());
        assertTrue(unit.contains("ConditionPathExists=/etc/virtwire/host.yaml"), unit.toString());
        String exec = unit.stream().filter(l -> l.startsWith("ExecStart=")).findFirst().orElseThrow();
        List<String> argv = List.of(exec.substring("ExecStart=".length()).split(" "));
        assertEquals("virtwire", Path.of(argv.getFirst()).getFileName().toString());

        Path root = FixtureHosts.materialize("i350-igb-8vfs");
        String[] args = argv.subList(1, argv.size()).toArray(String[]::new);
        CliRunner.Result missing = run(root, args);
        assertEquals(ExitCode.NOT_FOUND, missing.exitCode(), missing.toString());
        assertTrue(missing.err().contains("/etc/virtwire/host.yaml does not exist"), missing.err());

        Files.createDirectories(root.resolve("etc/virtwire"));
        Files.writeString(root.resolve("etc/virtwire/host.yaml"), """
                kernel:
                  cmdline: {add: [pci=assign-busses]}
                pfs:
                  - pf: enp1s0f1
                    numVfs: 2
                    vfs:
                      - {index: 0, mac: 52:54:00:aa:00:02, vlan: 7}
                """);
        CliRunner.Result first = run(root, args);
        assertEquals(0, first.exitCode(), first.toString());
        assertTrue(first.out().contains("ip link set enp1s0f1 vf 0 mac 52:54:00:aa:00:02"), first.out());
        // the parameter did not make it into this boot: a warning, not a failed boot
        assertTrue(first.err().contains("warning: booted without what the profile asks of the kernel: kernel parameter pci=assign-busses"), first.err());
        // a reboot drops VFs; the next boot's run makes them again
        Files.writeString(root.resolve("proc/cmdline"), Files.readString(root.resolve("proc/cmdline")).strip() + " pci=assign-busses\n");
        assertEquals(0, run(root, "host", "apply", "-f", root.resolve("etc/virtwire/host.yaml").toString(), "--no-reboot-needed").exitCode());
        new io.virtwire.provisioner.host.sim.SimulatedKernel(root).setNumVfs(io.virtwire.provisioner.model.PciAddress.parse("0000:01:00.1"), 0);
        CliRunner.Result again = run(root, args);
        assertEquals(0, again.exitCode(), again.toString());
        assertTrue(again.out().contains("echo 2 > /sys/bus/pci/devices/0000:01:00.1/sriov_numvfs"), again.out());
        assertFalse(again.err().contains("warning"), again.err());
    }

    @Test
    void snapshotWithoutRecordedCommandsIsReadOnly() throws Exception {
        Path root = FixtureHosts.materialize("i350-igb-8vfs");
        try (var s = Files.list(root.resolve("commands"))) {
            for (Path p : s.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(root.resolve("commands"));
        CliRunner.Result show = run(root, "host", "show");
        assertEquals(0, show.exitCode(), show.toString());
        assertTrue(show.out().contains("note: ip -j -d link show"), show.out());
        Path yaml = Files.writeString(tmp.resolve("h.yaml"), "pfs:\n  - pf: enp1s0f1\n    numVfs: 2\n");
        CliRunner.Result apply = run(root, "host", "apply", "-f", yaml.toString());
        assertEquals(ExitCode.HOST_ERROR, apply.exitCode(), apply.toString());
        assertTrue(apply.out().contains("read-only snapshot"), apply.toString());
    }

    @Test
    void hostWithoutSubcommandIsAUsageError() {
        CliRunner.Result r = new CliRunner().run("host");
        assertEquals(ExitCode.INVALID_INPUT, r.exitCode());
        assertTrue(r.err().contains("show, doctor, plan or apply"), r.err());
    }
}
