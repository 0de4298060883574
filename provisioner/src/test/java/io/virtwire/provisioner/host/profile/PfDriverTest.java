package io.virtwire.provisioner.host.profile;

import static io.virtwire.provisioner.host.profile.Plans.inventory;
import static io.virtwire.provisioner.host.profile.Plans.plan;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.host.FixtureHosts;
import io.virtwire.provisioner.host.HostInventory;
import io.virtwire.provisioner.host.TreeSnapshot;
import io.virtwire.provisioner.host.sim.SimulatedKernel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** PF-level driver: (a whole PF to DPDK/VPP on vfio-pci, seed 000's fix, and back) and reserve: on PFs and VFs. */
class PfDriverTest {

    private static final String WHOLE_PFS_TO_VPP = """
            pfs:
              - {pf: 0000:05:00.0, driver: vfio-pci, reserve: dpdk}
              - {pf: 0000:05:00.1, driver: vfio-pci, reserve: dpdk}
            """;

    @Test
    void wholePfsGoToVfioPciAndAreReservedThenComeBack() throws Exception {
        Path root = FixtureHosts.materialize("k68-uio-iommu");
        SimulatedKernel k = new SimulatedKernel(root);
        Plan p = plan(k, WHOLE_PFS_TO_VPP);
        assertEquals(List.of(
                "modprobe vfio-pci",
                "write /etc/modules-load.d/virtwire.conf: vfio-pci",
                "echo vfio-pci > /sys/bus/pci/devices/0000:05:00.0/driver_override && echo 0000:05:00.0 > /sys/bus/pci/drivers/uio_pci_generic/unbind"
                        + " && echo 0000:05:00.0 > /sys/bus/pci/drivers_probe   # -> vfio-pci",
                "echo vfio-pci > /sys/bus/pci/devices/0000:05:00.1/driver_override && echo 0000:05:00.1 > /sys/bus/pci/drivers/uio_pci_generic/unbind"
                        + " && echo 0000:05:00.1 > /sys/bus/pci/drivers_probe   # -> vfio-pci",
                "write /etc/virtwire/reserved-devices.conf: 0000:05:00.0 dpdk; 0000:05:00.1 dpdk"), p.commands());
        assertFalse(p.boot().rebootRequired());
        assertFalse(new Applier().apply(p, k).failed());
        HostInventory inv = inventory(k);
        assertEquals(List.of("vfio-pci", "vfio-pci"), inv.pfs().stream().map(pf -> pf.driver()).toList());
        assertTrue(Files.exists(root.resolve("dev/vfio/15")) && Files.exists(root.resolve("dev/vfio/16")), "VPP opens /dev/vfio/GROUP");
        assertEquals(Map.of("0000:05:00.0", "dpdk", "0000:05:00.1", "dpdk"), inv.reservations());
        assertTrue(plan(k, WHOLE_PFS_TO_VPP).isEmpty(), "converged");

        // and the reverse: back to igb, and to VMs
        String back = "pfs:\n  - {pf: 0000:05:00.0, driver: kernel, reserve: none}\n";
        Plan undo = plan(k, back);
        assertEquals("echo  > /sys/bus/pci/devices/0000:05:00.0/driver_override && echo 0000:05:00.0 > /sys/bus/pci/drivers/vfio-pci/unbind"
                + " && echo 0000:05:00.0 > /sys/bus/pci/drivers_probe   # -> igb", undo.commands().getFirst());
        assertFalse(new Applier().apply(undo, k).failed());
        inv = inventory(k);
        assertEquals("igb", inv.pf("0000:05:00.0").orElseThrow().driver());
        assertEquals(Map.of("0000:05:00.1", "dpdk"), inv.reservations());
        assertTrue(plan(k, back).isEmpty());
    }

    @Test
    void aPfOnVfioPciCannotHaveVfsAndOneWithAssignedVfsIsNotTakenAway() {
        SimulatedKernel k = new SimulatedKernel(FixtureHosts.materialize("82599-ixgbe-aer"));
        Map<String, String> before = TreeSnapshot.of(k.paths().root());
        VirtwireException vfs = assertThrows(VirtwireException.class, () -> plan(k, "pfs:\n  - {pf: ens1f1, driver: vfio-pci, numVfs: 2}\n"));
        assertTrue(vfs.getMessage().contains("a PF handed to DPDK/VPP cannot create VFs"), vfs.getMessage());
        VirtwireException assigned = assertThrows(VirtwireException.class, () -> plan(k, "pfs:\n  - {pf: ens1f0, driver: vfio-pci}\n"));
        assertEquals(VirtwireException.Kind.CONFLICT, assigned.kind());
        assertTrue(assigned.getMessage().contains("0000:04:10.0 on vfio-pci"), assigned.getMessage());
        VirtwireException bad = assertThrows(VirtwireException.class, () -> plan(k, "pfs:\n  - {pf: ens1f1, driver: uio_pci_generic, reserve: DPDK!}\n"));
        assertTrue(bad.getMessage().contains("driver 'uio_pci_generic' is not supported") && bad.getMessage().contains("reserve 'DPDK!'"), bad.getMessage());
        assertEquals(before, TreeSnapshot.of(k.paths().root()));
    }

    @Test
    void aPfWithVfsOnItsKernelDriverDropsThemBeforeGoingToVfioPci() {
        SimulatedKernel k = new SimulatedKernel(FixtureHosts.materialize("i350-igb-8vfs"));
        Plan p = plan(k, "pfs:\n  - {pf: enp1s0f1, driver: vfio-pci}\n");
        assertEquals("echo 0 > /sys/bus/pci/devices/0000:01:00.1/sriov_numvfs", p.commands().getFirst());
        assertFalse(new Applier().apply(p, k).failed());
        assertEquals("vfio-pci", inventory(k).pf("0000:01:00.1").orElseThrow().driver());
        assertEquals(0, inventory(k).pf("0000:01:00.1").orElseThrow().numVfs());
    }
}
