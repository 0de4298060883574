package io.virtwire.provisioner.host.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtwire.provisioner.host.FixtureHosts;
import io.virtwire.provisioner.host.HostInventory;
import io.virtwire.provisioner.host.HostInventoryReader;
import io.virtwire.provisioner.host.HostPaths;
import io.virtwire.provisioner.host.RecordedCommandRunner;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DoctorTest {

    private static final Map<String, DoctorReport> REPORTS = new HashMap<>();

    static synchronized DoctorReport report(String host) {
        return REPORTS.computeIfAbsent(host, h -> {
            Path root = FixtureHosts.materialize(h);
            HostInventory inv = new HostInventoryReader(new HostPaths(root), new RecordedCommandRunner(root.resolve("commands"))).read();
            return new Doctor().run(root.toString(), inv, Optional.empty());
        });
    }

    static List<Finding> findings(String host, String id) {
        return report(host).findings().stream().filter(f -> f.id().equals(id)).toList();
    }

    @ParameterizedTest(name = "{0}: {2} on {1}, ok on {3}")
    @CsvSource({
            "iommu-disabled,           iommu-off,        fail, i350-igb-8vfs",
            "iommu-passthrough-mode,   82599-ixgbe-aer,  warn, i350-igb-8vfs",
            "vfio-pci-unavailable,     k68-uio-iommu,    fail, i350-igb-8vfs",
            "iommu-group-not-isolated, i350-no-bus,      fail, i350-igb-8vfs",
            "acs-missing,              i350-no-bus,      warn, i350-igb-8vfs",
            "sriov-bus-out-of-range,   i350-no-bus,      fail, i350-igb-8vfs",
            "sriov-mmio-exhausted,     iommu-off,        fail, i350-igb-8vfs",
            "pf-driver-no-sriov,       iommu-off,        fail, i350-igb-8vfs",
            "pf-on-userspace-driver,   k68-uio-iommu,    fail, i350-igb-8vfs",
            "vf-mac-unset,             i350-igb-8vfs,    fail, 82599-ixgbe-aer",
            "switchdev-required,       cx6dx-legacy,     fail, cx6dx-switchdev",
            "vhost-vdpa-missing,       cx6dx-legacy,     fail, cx6dx-switchdev",
            "hugepages-insufficient,   82599-ixgbe-aer,  fail, i350-igb-8vfs",
            "uio-with-iommu,           k68-uio-iommu,    fail, i350-igb-8vfs",
            "aer-errors,               82599-ixgbe-aer,  fail, i350-igb-8vfs",
            "memlock-limit,            82599-ixgbe-aer,  fail, i350-igb-8vfs",
            "vfio-interrupt-remapping, k68-uio-iommu,    fail, i350-igb-8vfs",
            "sriov-numvfs-busy,        82599-ixgbe-aer,  warn, cx6dx-switchdev"})
    void everyIdFailsOnOneFixtureAndIsOkOnAnother(String id, String badHost, Status expected, String goodHost) {
        List<Finding> bad = findings(badHost, id);
        assertTrue(bad.stream().anyMatch(f -> f.status() == expected), id + " on " + badHost + ": " + bad);
        for (Finding f : bad.stream().filter(f -> f.status() != Status.ok).toList()) {
            assertNotNull(f.fix(), f.toString());
            assertFalse(f.fix().isBlank());
            assertFalse(f.evidence().isEmpty(), f.toString());
        }
        List<Finding> good = findings(goodHost, id);
        assertFalse(good.isEmpty(), id + " says nothing on " + goodHost);
        assertTrue(good.stream().allMatch(f -> f.status() == Status.ok), id + " on " + goodHost + ": " + good);
        good.forEach(f -> assertNull(f.fix()));
    }

    @Test
    void everyDocumentedIdHasACheck() {
        Set<String> ids = Doctor.ALL_CHECKS.stream().map(Check::id).collect(Collectors.toSet());
        assertEquals(Set.of("iommu-disabled", "iommu-passthrough-mode", "vfio-pci-unavailable", "iommu-group-not-isolated", "acs-missing",
                "sriov-bus-out-of-range", "sriov-mmio-exhausted", "pf-driver-no-sriov", "pf-on-userspace-driver", "vf-mac-unset",
                "switchdev-required", "vhost-vdpa-missing", "hugepages-insufficient", "uio-with-iommu", "aer-errors", "memlock-limit",
                "module-missing", "reboot-pending", "vfio-interrupt-remapping", "sriov-numvfs-busy", "vmxnet3-uio-interrupts"), ids);
    }

    @Test
    void busOutOfRangePredictsTheKernelsMessage() {
        Finding f = findings("i350-no-bus", "sriov-bus-out-of-range").getFirst();
        assertEquals("0000:01:00.0", f.subject());
        assertTrue(f.message().contains("can't enable 7 VFs (bus 02 out of range of [bus 01])"), f.message());
        assertTrue(f.message().contains("above 0"), f.message());
        assertTrue(f.fix().contains("pci=assign-busses"));
        assertTrue(f.evidence().stream().anyMatch(e -> e.path().equals("/sys/bus/pci/devices/0000:00:1d.0/config")
                && e.value().equals("secondary bus 01, subordinate bus 01")), f.evidence().toString());
    }

    @Test
    void groupFindingNamesTheOffenderAndQemusError() {
        Finding f = findings("i350-no-bus", "iommu-group-not-isolated").getFirst();
        assertTrue(f.message().contains("0000:01:00.0 (igb)"), f.message());
        assertTrue(f.message().contains("group 12 is not viable"), f.message());
        assertTrue(f.fix().contains("echo vfio-pci > /sys/bus/pci/devices/0000:01:00.0/driver_override"), f.fix());
    }

    @Test
    void acsEvidenceIsLspciStyle() {
        Finding f = findings("i350-no-bus", "acs-missing").getFirst();
        assertTrue(f.evidence().getFirst().value().contains("ACSCtl: SrcValid- TransBlk- ReqRedir- CmpltRedir- UpstreamFwd- EgressCtrl- DirectTrans-"),
                f.evidence().toString());
    }

    @Test
    void switchdevFixUnbindsSwitchesAndRebinds() {
        Finding f = findings("cx6dx-legacy", "switchdev-required").getFirst();
        assertEquals("echo 0000:07:00.2 > /sys/bus/pci/drivers/mlx5_core/unbind && devlink dev eswitch set pci/0000:07:00.0 mode switchdev"
                + " && echo 0000:07:00.2 > /sys/bus/pci/drivers/mlx5_core/bind", f.fix());
    }

    @Test
    void aerFailsBecauseTheAssignedVfDoesNotRecover() {
        Finding f = findings("82599-ixgbe-aer", "aer-errors").stream().filter(x -> x.status() == Status.fail).findFirst().orElseThrow();
        assertEquals("0000:04:00.0", f.subject());
        assertTrue(f.message().contains("0000:04:10.0"), f.message());
        assertTrue(f.evidence().contains(new Evidence("/sys/bus/pci/devices/0000:04:00.0/aer_dev_nonfatal", "TOTAL_ERR_NONFATAL 2")));
    }

    @Test
    void vfMacFixesNameEachVf() {
        Finding f = findings("i350-igb-8vfs", "vf-mac-unset").getFirst();
        assertTrue(f.fix().startsWith("ip link set enp1s0f0 vf 0 mac 52:54:00:"), f.fix());
        assertEquals(4, f.fix().split("ip link set").length - 1);
    }

    @Test
    void purposeSelectsChecksAndSummaryCounts() {
        Path root = FixtureHosts.materialize("cx6dx-switchdev");
        HostInventory inv = new HostInventoryReader(new HostPaths(root), new RecordedCommandRunner(root.resolve("commands"))).read();
        DoctorReport vdpa = new Doctor().run("/", inv, Optional.of(Purpose.vdpa));
        assertTrue(vdpa.findings().stream().noneMatch(f -> f.id().equals("aer-errors") || f.id().equals("memlock-limit")));
        assertFalse(vdpa.failed(), vdpa.findings().toString());
        assertEquals(vdpa.findings().size(), vdpa.summary().ok() + vdpa.summary().warn() + vdpa.summary().fail());
        DoctorReport iommuOff = report("iommu-off");
        assertTrue(iommuOff.failed());
    }

    @Test
    void vdpaChecksStayQuietOnHostsWithoutVdpaUnlessAsked() {
        assertTrue(findings("i350-igb-8vfs", "vhost-vdpa-missing").isEmpty());
        Path root = FixtureHosts.materialize("i350-igb-8vfs");
        HostInventory inv = new HostInventoryReader(new HostPaths(root), new RecordedCommandRunner(root.resolve("commands"))).read();
        DoctorReport asked = new Doctor().run("/", inv, Optional.of(Purpose.vdpa));
        assertTrue(asked.findings().stream().anyMatch(f -> f.id().equals("vhost-vdpa-missing") && f.status() == Status.fail));
    }
}
