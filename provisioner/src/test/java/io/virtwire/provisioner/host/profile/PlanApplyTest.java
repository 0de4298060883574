package io.virtwire.provisioner.host.profile;

import static io.virtwire.provisioner.host.profile.Plans.inventory;
import static io.virtwire.provisioner.host.profile.Plans.plan;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.host.FixtureHosts;
import io.virtwire.provisioner.host.HostInventory;
import io.virtwire.provisioner.model.PciAddress;
import io.virtwire.provisioner.host.PhysicalFunction;
import io.virtwire.provisioner.host.TreeSnapshot;
import io.virtwire.provisioner.host.VirtualFunction;
import io.virtwire.provisioner.host.doctor.Doctor;
import io.virtwire.provisioner.host.doctor.Purpose;
import io.virtwire.provisioner.host.sim.SimulatedKernel;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PlanApplyTest {

    private final Applier applier = new Applier();

    /** What a guest-facing VF looks like: everything but the (kernel-assigned) IOMMU group number. */
    static List<String> vfView(HostInventory inv) {
        return inv.pfs().stream().flatMap(pf -> pf.vfs().stream().map(v -> pf.address() + "/" + v.index() + " " + v.address() + " " + v.driver()
                + " " + v.mac() + " vlan " + v.vlan() + " qos " + v.qos() + " trust " + v.trust() + " spoofchk " + v.spoofchk()))
                .toList();
    }

    private static final String I350_PROFILE = """
            pfs:
              - pf: enp1s0f1
                numVfs: 2
                vfs:
                  - index: 0
                    mac: 52:54:00:12:34:56
                    vlan: 100
                    qos: 3
                    spoofchk: true
                    driver: vfio-pci
                  - index: 1
                    mac: 52:54:00:12:34:57
                    trust: true
              - pf: 0000:01:00.0
                vfs:
                  - index: 3
                    mac: 52:54:00:12:34:58
                    driver: vfio-pci
            hugepages:
              - size: 2M
                count: 2048
            """;

    @Test
    void planOrdersStepsTheWayTheKernelNeedsThem() {
        SimulatedKernel k = new SimulatedKernel(FixtureHosts.materialize("i350-igb-8vfs"));
        assertEquals(List.of(
                "echo 0 > /sys/bus/pci/devices/0000:01:00.1/sriov_numvfs",
                "echo 2 > /sys/bus/pci/devices/0000:01:00.1/sriov_numvfs",
                "ip link set enp1s0f1 vf 0 mac 52:54:00:12:34:56",
                "ip link set enp1s0f1 vf 0 vlan 100 qos 3",
                "ip link set enp1s0f1 vf 1 mac 52:54:00:12:34:57",
                "ip link set enp1s0f1 vf 1 trust on",
                "echo vfio-pci > /sys/bus/pci/devices/0000:02:10.1/driver_override && echo 0000:02:10.1 > /sys/bus/pci/drivers/igbvf/unbind"
                        + " && echo 0000:02:10.1 > /sys/bus/pci/drivers_probe   # -> vfio-pci",
                "ip link set enp1s0f0 vf 3 mac 52:54:00:12:34:58",
                "echo vfio-pci > /sys/bus/pci/devices/0000:02:11.4/driver_override && echo 0000:02:11.4 > /sys/bus/pci/drivers/igbvf/unbind"
                        + " && echo 0000:02:11.4 > /sys/bus/pci/drivers_probe   # -> vfio-pci",
                "echo 2048 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"), plan(k, I350_PROFILE).commands());
    }

    @Test
    void applyConvergesAndASecondApplyChangesNothing() {
        Path root = FixtureHosts.materialize("i350-igb-8vfs");
        SimulatedKernel k = new SimulatedKernel(root);
        ApplyReport first = applier.apply(plan(k, I350_PROFILE), k);
        assertTrue(first.changed());
        assertNull(first.failedStep());
        assertEquals(10, first.applied().size());
        HostInventory after = inventory(new SimulatedKernel(root));
        PhysicalFunction pf0 = after.pf("enp1s0f1").orElseThrow();
        assertEquals(2, pf0.sriovNumVfs());
        VirtualFunction vf0 = pf0.vfs().getFirst();
        assertEquals("52:54:00:12:34:56", vf0.mac());
        assertEquals(100, vf0.vlan());
        assertEquals(3, vf0.qos());
        assertEquals("vfio-pci", vf0.driver());
        assertEquals(Boolean.TRUE, pf0.vfs().get(1).trust());
        assertEquals("vfio-pci", after.pf("enp1s0f0").orElseThrow().vfs().get(3).driver());
        assertEquals("52:54:00:12:34:58", after.pf("enp1s0f0").orElseThrow().vfs().get(3).mac());
        assertEquals(2048, after.hugepages().stream().filter(p -> p.node() == null && p.size().equals("2048kB")).findFirst().orElseThrow().total());

        Map<String, String> converged = TreeSnapshot.of(root);
        Plan again = plan(new SimulatedKernel(root), I350_PROFILE);
        assertTrue(again.isEmpty(), again.commands().toString());
        ApplyReport second = applier.apply(again, k);
        assertFalse(second.changed());
        assertEquals(converged, TreeSnapshot.of(root));
    }

    @Test
    void switchdevAndVdpaOnConnectXFollowSeed001() {
        Path root = FixtureHosts.materialize("cx6dx-legacy");
        SimulatedKernel k = new SimulatedKernel(root);
        String yaml = """
                pfs:
                  - pf: ens2f0
                    eswitchMode: switchdev
                vdpa:
                  - name: vdpa0
                    mgmtdev: pci/0000:07:00.2
                    mac: 00:11:22:33:44:00
                    maxVqPairs: 1
                """;
        Plan plan = plan(k, yaml);
        assertEquals(List.of(
                // vdpa devices are unusable without vhost_vdpa (no /dev/vhost-vdpa-N): the plan loads it, now and at boot
                "modprobe vhost_vdpa",
                "write /etc/modules-load.d/virtwire.conf: vhost_vdpa",
                "echo 0000:07:00.2 > /sys/bus/pci/drivers/mlx5_core/unbind",
                "devlink dev eswitch set pci/0000:07:00.0 mode switchdev",
                "echo 0000:07:00.2 > /sys/bus/pci/drivers_probe",
                "vdpa dev add name vdpa0 mgmtdev pci/0000:07:00.2 mac 00:11:22:33:44:00 max_vqp 1"), plan.commands());
        ApplyReport report = applier.apply(plan, k);
        assertNull(report.failedStep(), report.toString());
        HostInventory inv = inventory(k);
        assertEquals("switchdev", inv.pf("ens2f0").orElseThrow().eswitchMode());
        assertEquals("mlx5_core", inv.pf("ens2f0").orElseThrow().vfs().getFirst().driver());
        assertEquals("vdpa0", inv.vdpaDevices().getFirst().name());
        assertEquals("/dev/vhost-vdpa-0", inv.vdpaDevices().getFirst().chardev());
        assertTrue(new Doctor().run("/", inv, Optional.of(Purpose.vdpa)).findings().stream()
                .anyMatch(f -> f.id().equals("switchdev-required") && f.subject().equals("0000:07:00.0") && f.status().name().equals("ok")));
        assertTrue(plan(k, yaml).isEmpty());
    }

    @Test
    void aFailedStepRollsBackWhatThisRunDid() {
        // vdpa on a legacy-mode mlx5 eswitch: the kernel says EOPNOTSUPP after the VF MACs were already changed
        Path root = FixtureHosts.materialize("cx6dx-legacy");
        SimulatedKernel k = new SimulatedKernel(root);
        Map<String, String> before = TreeSnapshot.of(root);
        Plan plan = plan(k, """
                pfs:
                  - pf: ens2f0
                    vfs:
                      - index: 0
                        mac: 52:54:00:00:00:01
                        vlan: 10
                vdpa:
                  - name: vdpa0
                    mgmtdev: pci/0000:07:00.2
                """);
        ApplyReport report = applier.apply(plan, k);
        assertTrue(report.failed());
        assertEquals("vdpa dev add name vdpa0 mgmtdev pci/0000:07:00.2", report.failedStep());
        assertTrue(report.error().message().contains("Operation not supported"), report.error().toString());
        assertEquals("HOST", report.error().kind());
        assertEquals(List.of("ip link set ens2f0 vf 0 vlan 0", "ip link set ens2f0 vf 0 mac 00:11:22:33:44:00", "rm /etc/modules-load.d/virtwire.conf",
                "modprobe -r vhost_vdpa"), report.rolledBack());
        assertTrue(report.rollbackErrors().isEmpty());
        assertFalse(report.changed());
        assertEquals(before, TreeSnapshot.of(root));
    }

    @Test
    void rollbackRestoresVfsAfterAFailureLateInTheRun() {
        Path root = FixtureHosts.materialize("i350-igb-8vfs");
        SimulatedKernel k = new SimulatedKernel(root);
        List<String> before = vfView(inventory(k));
        Plan plan = plan(k, I350_PROFILE);
        AtomicInteger calls = new AtomicInteger();
        // the hugepage write (the last step) fails, as when the kernel cannot find contiguous memory
        HostActions failing = (HostActions) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {HostActions.class}, (p, m, args) -> {
            calls.incrementAndGet();
            if (m.getName().equals("setHugepages") && ((Long) args[2]) == 2048L) {
                throw new HostActionException("ENOMEM", "echo 2048 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages: write error: Cannot allocate memory");
            }
            try {
                return m.invoke(k, args);
            } catch (java.lang.reflect.InvocationTargetException e) {
                throw e.getCause();
            }
        });
        ApplyReport report = applier.apply(plan, failing);
        assertEquals("echo 2048 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", report.failedStep());
        assertEquals(9, report.rolledBack().size());
        assertEquals("echo 4 > /sys/bus/pci/devices/0000:01:00.1/sriov_numvfs", report.rolledBack().getLast());
        assertTrue(report.rollbackErrors().isEmpty(), report.rollbackErrors().toString());
        // the VFs are back: same count, addresses and admin state (kernels hand out new IOMMU group numbers)
        List<String> after = vfView(inventory(new SimulatedKernel(root)));
        // (VFs recreated on port 1 come back with the kernel's defaults, which is what they had in this fixture)
        assertEquals(before, after);
        assertEquals(4, inventory(k).pf("enp1s0f1").orElseThrow().sriovNumVfs());
    }

    @Test
    void anUndoThatFailsTooIsReportedWithItsStepAndError() {
        Path root = FixtureHosts.materialize("i350-igb-8vfs");
        SimulatedKernel k = new SimulatedKernel(root);
        Plan plan = plan(k, I350_PROFILE);
        java.util.concurrent.atomic.AtomicBoolean failed = new java.util.concurrent.atomic.AtomicBoolean();
        // the last step fails; after that every sriov_numvfs write (an undo) fails too, as with a VF a guest still holds
        HostActions failing = (HostActions) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {HostActions.class}, (p, m, args) -> {
            if (m.getName().equals("setHugepages") && ((Long) args[2]) == 2048L) {
                failed.set(true);
                throw new HostActionException("ENOMEM", "nr_hugepages: write error: Cannot allocate memory");
            }
            if (m.getName().equals("setNumVfs") && failed.get()) {
                throw new HostActionException("EBUSY", "sriov_numvfs: write error: Device or resource busy");
            }
            try {
                return m.invoke(k, args);
            } catch (java.lang.reflect.InvocationTargetException e) {
                throw e.getCause();
            }
        });
        ApplyReport r = applier.apply(plan, failing);
        assertEquals("HOST", r.error().kind());
        assertTrue(r.error().message().contains("Cannot allocate memory"), r.error().toString());
        assertFalse(r.rollbackErrors().isEmpty(), r.toString());
        ApplyReport.RollbackError first = r.rollbackErrors().getFirst();
        assertTrue(first.step().contains("sriov_numvfs"), first.toString());
        assertEquals("HOST", first.error().kind());
        assertTrue(first.error().message().contains("Device or resource busy"), first.toString());
        assertTrue(r.changed(), "an incomplete rollback leaves the host changed");
    }

    @Test
    void badInputIsRejectedAndNothingChanges() {
        Path root = FixtureHosts.materialize("i350-igb-8vfs");
        SimulatedKernel k = new SimulatedKernel(root);
        Map<String, String> before = TreeSnapshot.of(root);
        VirtwireException unknown = assertThrows(VirtwireException.class, () -> plan(k, "pfs:\n  - pf: enp9s0\n    numVfs: 1\n"));
        assertEquals(VirtwireException.Kind.NOT_FOUND, unknown.kind());
        assertTrue(unknown.getMessage().contains("unknown PF 'enp9s0'") && unknown.getMessage().contains("0000:01:00.0 (enp1s0f0)"), unknown.getMessage());
        assertInvalid(k, "pfs:\n  - pf: enp1s0f0\n    numVfs: 8\n", "pfs[0].numVfs 8 exceeds sriov_totalvfs 7 of 0000:01:00.0");
        assertInvalid(k, "pfs:\n  - pf: enp1s0f0\n    vfs:\n      - index: 0\n        mac: 52:54:00:zz:00:01\n", "pfs[0].vfs[0].mac '52:54:00:zz:00:01' is not a MAC address");
        assertInvalid(k, "pfs:\n  - pf: enp1s0f0\n    vfs:\n      - index: 0\n        mac: 01:00:5e:00:00:01\n", "multicast");
        assertInvalid(k, "pfs:\n  - pf: enp1s0f0\n    vfs:\n      - index: 0\n        vlan: 4095\n", "pfs[0].vfs[0].vlan 4095 is out of range: VLAN ids are 0 (none) to 4094");
        assertInvalid(k, "pfs:\n  - pf: enp1s0f0\n    vfs:\n      - index: 5\n", "pfs[0].vfs[0].index 5 does not exist: 0000:01:00.0 will have 4 VFs");
        assertInvalid(k, "pfs:\n  - pf: enp1s0f0\n    vfs:\n      - index: 0\n        driver: igb_uio\n", "driver 'igb_uio' is not supported");
        assertInvalid(k, "pfs:\n  - pf: enp1s0f0\n    eswitchMode: switchdev\n", "has no devlink eswitch");
        assertInvalid(k, "hugepages:\n  - size: 1G\n    node: 3\n    count: 4\n", "no 1048576kB hugepage pool on NUMA node 3");
        assertInvalid(k, "vdpa:\n  - name: vdpa0\n    mgmtdev: pci/0000:07:00.2\n", "not a vdpa management device on this host");
        VirtwireException two = assertThrows(VirtwireException.class,
                () -> plan(k, "pfs:\n  - pf: enp1s0f0\n    vfs:\n      - index: 0\n        vlan: 5000\n        qos: 9\n"));
        assertTrue(two.getMessage().startsWith("2 problems in the profile, nothing was changed"), two.getMessage());
        assertEquals(before, TreeSnapshot.of(root));
    }

    @Test
    void aDriverTheHostLacksIsRejected() {
        SimulatedKernel k = new SimulatedKernel(FixtureHosts.materialize("cx6dx-legacy"));
        // give the legacy host's VF to vfio-pci after removing the driver from the tree: the host lacks it
        io.virtwire.provisioner.host.HostPaths paths = k.paths();
        try (var s = java.nio.file.Files.walk(paths.pciDriver("vfio-pci"))) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        String yaml = "pfs:\n  - pf: ens2f0\n    vfs:\n      - index: 0\n        driver: vfio-pci\n";
        // the module exists for this kernel: the plan loads it (host apply never leaves a driver it knows cannot bind)
        assertEquals("modprobe vfio-pci", plan(k, yaml).commands().getFirst());
        // the kernel has no such module: refused before any change
        Path dep = paths.resolve("/lib/modules/5.11.12-1.el8.elrepo.x86_64/modules.dep");
        try {
            java.nio.file.Files.writeString(dep, java.nio.file.Files.readString(dep).replace("kernel/drivers/vfio/pci/vfio-pci.ko:\n", ""));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertInvalid(k, yaml, "pfs[0] (driver: vfio-pci) needs module vfio-pci, which kernel 5.11.12-1.el8.elrepo.x86_64 does not have");
        SimulatedKernel off = new SimulatedKernel(FixtureHosts.materialize("iommu-off"));
        assertInvalid(off, "pfs:\n  - pf: enp3s0f0\n    numVfs: 2\n", "have no MMIO space");
    }

    @Test
    void busRangeIsPredictedBeforeAnyWrite() {
        SimulatedKernel k = new SimulatedKernel(FixtureHosts.materialize("i350-no-bus"));
        assertInvalid(k, "pfs:\n  - pf: enp1s0f0\n    numVfs: 2\n", "can't enable 2 VFs (bus 02 out of range of [bus 01])");
        assertInvalid(new SimulatedKernel(FixtureHosts.materialize("k68-uio-iommu")), "pfs:\n  - pf: 0000:05:00.0\n    numVfs: 2\n",
                "is on uio_pci_generic, which cannot create VFs");
    }

    @Test
    void renumberingWritesZeroFirstAndResetsVfState() {
        SimulatedKernel k = new SimulatedKernel(FixtureHosts.materialize("i350-igb-8vfs"));
        k.setVfMac("enp1s0f1", 0, "52:54:00:00:00:99");
        ApplyReport r = applier.apply(plan(k, "pfs:\n  - pf: enp1s0f1\n    numVfs: 3\n"), k);
        assertEquals(List.of("echo 0 > /sys/bus/pci/devices/0000:01:00.1/sriov_numvfs", "echo 3 > /sys/bus/pci/devices/0000:01:00.1/sriov_numvfs"), r.applied());
        PhysicalFunction pf = inventory(k).pf("enp1s0f1").orElseThrow();
        assertEquals(List.of("0000:02:10.1", "0000:02:10.5", "0000:02:11.1"), pf.vfs().stream().map(VirtualFunction::address).toList());
        assertEquals("igbvf", pf.vfs().getFirst().driver());
        assertTrue(pf.vfs().getFirst().macUnset(), "a recreated VF starts with the kernel's zero admin MAC");
    }

    @Test
    void vfsOnVfioAreNeverRemovedImplicitly() {
        Path root = FixtureHosts.materialize("82599-ixgbe-aer");
        SimulatedKernel k = new SimulatedKernel(root);
        Map<String, String> before = TreeSnapshot.of(root);
        VirtwireException e = assertThrows(VirtwireException.class, () -> plan(k, "pfs:\n  - pf: ens1f0\n    numVfs: 3\n"));
        assertEquals(VirtwireException.Kind.CONFLICT, e.kind());
        assertTrue(e.getMessage().contains("0000:04:10.0 is bound to vfio-pci"), e.getMessage());
        assertEquals(before, TreeSnapshot.of(root));
        ApplyReport fresh = applier.apply(plan(k, "pfs:\n  - pf: ens1f1\n    numVfs: 3\n"), k);
        assertEquals(List.of("echo 3 > /sys/bus/pci/devices/0000:04:00.1/sriov_numvfs"), fresh.applied());
        PhysicalFunction pf = inventory(k).pf("ens1f1").orElseThrow();
        assertEquals(List.of("0000:04:10.1", "0000:04:10.3", "0000:04:10.5"), pf.vfs().stream().map(VirtualFunction::address).toList());
        assertEquals("ixgbevf", pf.vfs().getFirst().driver());
        assertEquals(PciAddress.parse("0000:04:10.5"), pf.sriov().vfAddress(pf.pciAddress(), 2));
    }

    private void assertInvalid(SimulatedKernel k, String yaml, String expected) {
        VirtwireException e = assertThrows(VirtwireException.class, () -> plan(k, yaml));
        assertEquals(VirtwireException.Kind.INVALID_INPUT, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
