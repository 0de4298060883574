package io.virtwire.provisioner.host.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtwire.provisioner.host.FixtureHosts;
import io.virtwire.provisioner.host.HostInventory;
import io.virtwire.provisioner.host.HostInventoryReader;
import io.virtwire.provisioner.host.HostPaths;
import io.virtwire.provisioner.model.PciAddress;
import io.virtwire.provisioner.host.PhysicalFunction;
import io.virtwire.provisioner.host.RecordedCommandRunner;
import io.virtwire.provisioner.host.TreeSnapshot;
import io.virtwire.provisioner.host.VirtualFunction;
import io.virtwire.provisioner.host.profile.HostActionException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SimulatedKernelTest {

    private static final PciAddress I350_PF0 = PciAddress.parse("0000:01:00.0");

    static HostInventory replay(Path root) {
        // a fresh reader over the same tree, as a second process would see it
        return new HostInventoryReader(new HostPaths(root), new RecordedCommandRunner(root.resolve("commands"))).read();
    }

    @Test
    void writingNumVfsCreatesVfEntriesLikeTheKernel() throws Exception {
        Path root = FixtureHosts.materialize("i350-igb-8vfs");
        SimulatedKernel k = new SimulatedKernel(root);
        k.setNumVfs(I350_PF0, 0);
        Path pf = root.resolve("sys/bus/pci/devices/0000:01:00.0");
        assertFalse(Files.exists(pf.resolve("virtfn0")));
        assertFalse(Files.exists(root.resolve("sys/bus/pci/devices/0000:02:10.0")));
        k.setNumVfs(I350_PF0, 7);
        assertEquals("7", Files.readString(pf.resolve("sriov_numvfs")).strip());
        // VF 6: 0x100 + 384 + 6 * 4 = 0x298 -> 02:13.0
        assertEquals("0000:02:13.0", pf.resolve("virtfn6").toRealPath().getFileName().toString());
        Path vf = root.resolve("sys/bus/pci/devices/0000:02:13.0");
        assertEquals(pf.toRealPath(), vf.resolve("physfn").toRealPath());
        assertEquals("igbvf", Files.readSymbolicLink(vf.resolve("driver")).getFileName().toString());
        assertTrue(Files.isDirectory(vf.resolve("iommu_group").resolve("devices")));
        assertEquals("0x1520", Files.readString(vf.resolve("device")).strip());
        PhysicalFunction inv = replay(root).pf("enp1s0f0").orElseThrow();
        assertEquals(7, inv.vfs().size());
        assertTrue(inv.vfs().stream().allMatch(VirtualFunction::macUnset));
        assertEquals(7, inv.vfs().stream().map(VirtualFunction::iommuGroup).distinct().count());
    }

    @Test
    void refusesTheWayTheKernelDoes() {
        Path root = FixtureHosts.materialize("i350-igb-8vfs");
        SimulatedKernel k = new SimulatedKernel(root);
        HostActionException busy = assertThrows(HostActionException.class, () -> k.setNumVfs(I350_PF0, 2));
        assertEquals("EBUSY", busy.errno());
        assertTrue(busy.getMessage().contains("write error: Device or resource busy"), busy.getMessage());
        assertTrue(busy.getMessage().contains("4 VFs already enabled. Disable before enabling 2 VFs"), busy.getMessage());
        HostActionException range = assertThrows(HostActionException.class, () -> k.setNumVfs(I350_PF0, 8));
        assertEquals("ERANGE", range.errno());
        assertTrue(range.getMessage().contains("Numerical result out of range"));
    }

    @Test
    void exhaustedBusRangeIsEnomemWithTheKernelsMessage() {
        Path root = FixtureHosts.materialize("i350-no-bus");
        Map<String, String> before = TreeSnapshot.of(root);
        HostActionException e = assertThrows(HostActionException.class, () -> new SimulatedKernel(root).setNumVfs(I350_PF0, 7));
        assertEquals("ENOMEM", e.errno());
        assertTrue(e.getMessage().contains("write error: Cannot allocate memory"), e.getMessage());
        assertTrue(e.getMessage().contains("igb 0000:01:00.0: can't enable 7 VFs (bus 02 out of range of [bus 01])"), e.getMessage());
        assertEquals(before, TreeSnapshot.of(root));
    }

    @Test
    void unassignedVfBarsAndMissingDriverFail() {
        Path root = FixtureHosts.materialize("iommu-off");
        SimulatedKernel k = new SimulatedKernel(root);
        HostActionException mmio = assertThrows(HostActionException.class, () -> k.setNumVfs(PciAddress.parse("0000:03:00.0"), 4));
        assertEquals("ENOMEM", mmio.errno());
        assertTrue(mmio.getMessage().contains("not enough MMIO resources for SR-IOV"));
        HostActionException noDriver = assertThrows(HostActionException.class, () -> k.setNumVfs(PciAddress.parse("0000:03:00.1"), 4));
        assertEquals("ENOENT", noDriver.errno());
        assertTrue(noDriver.getMessage().contains("Driver does not support SRIOV configuration via sysfs"));
        HostActionException uio = assertThrows(HostActionException.class,
                () -> new SimulatedKernel(FixtureHosts.materialize("k68-uio-iommu")).setNumVfs(PciAddress.parse("0000:05:00.0"), 1));
        assertEquals("ENOENT", uio.errno());
    }

    @Test
    void vfAdminStateIsVisibleInReplayedIpLinkJson() throws Exception {
        Path root = FixtureHosts.materialize("i350-igb-8vfs");
        SimulatedKernel k = new SimulatedKernel(root);
        k.setVfMac("enp1s0f1", 2, "52:54:00:AA:BB:CC");
        k.setVfVlan("enp1s0f1", 2, 200, 3);
        k.setVfTrust("enp1s0f1", 2, true);
        k.setVfSpoofchk("enp1s0f1", 2, false);
        String json = Files.readString(root.resolve("commands/ip_-j_-d_link_show.json"));
        assertTrue(json.contains("\"vlan_list\":[{\"vlan\":200,\"qos\":3}]"), json);
        VirtualFunction vf = replay(root).pf("enp1s0f1").orElseThrow().vfs().get(2);
        assertEquals("52:54:00:aa:bb:cc", vf.mac());
        assertEquals(200, vf.vlan());
        assertEquals(3, vf.qos());
        assertEquals(Boolean.TRUE, vf.trust());
        assertEquals(Boolean.FALSE, vf.spoofchk());
        k.setVfVlan("enp1s0f1", 2, 0, 0);
        assertEquals(0, replay(root).pf("enp1s0f1").orElseThrow().vfs().get(2).vlan());
        assertEquals("ENODEV", assertThrows(HostActionException.class, () -> k.setVfMac("enp9s0", 0, "52:54:00:00:00:01")).errno());
        assertEquals("EINVAL", assertThrows(HostActionException.class, () -> k.setVfMac("enp1s0f1", 9, "52:54:00:00:00:01")).errno());
        assertEquals("EINVAL", assertThrows(HostActionException.class, () -> k.setVfVlan("enp1s0f1", 0, 4095, 0)).errno());
    }

    @Test
    void switchdevNeedsUnboundVfsAndCreatesRepresentors() {
        Path root = FixtureHosts.materialize("cx6dx-legacy");
        SimulatedKernel k = new SimulatedKernel(root);
        PciAddress pf = PciAddress.parse("0000:07:00.0");
        PciAddress vf = PciAddress.parse("0000:07:00.2");
        assertEquals("EBUSY", assertThrows(HostActionException.class, () -> k.setEswitchMode(pf, "switchdev")).errno());
        assertEquals("EOPNOTSUPP", assertThrows(HostActionException.class,
                () -> k.addVdpaDevice("vdpa0", "pci/0000:07:00.2", null, 1)).errno());
        k.unbind(vf);
        k.setEswitchMode(pf, "switchdev");
        k.probe(vf);
        HostInventory inv = replay(root);
        assertEquals("switchdev", inv.pf("0000:07:00.0").orElseThrow().eswitchMode());
        assertEquals(java.util.List.of("ens2f0_0"), inv.pf("0000:07:00.0").orElseThrow().representors());
        assertEquals("mlx5_core", inv.pf("0000:07:00.0").orElseThrow().vfs().getFirst().driver());
        k.addVdpaDevice("vdpa0", "pci/0000:07:00.2", "00:11:22:33:44:00", 1);
        // vhost_vdpa is not loaded on this host, so the device exists but has no character device
        assertEquals(null, replay(root).vdpaDevices().getFirst().chardev());
        assertEquals("EEXIST", assertThrows(HostActionException.class, () -> k.addVdpaDevice("vdpa0", "pci/0000:07:00.2", null, 1)).errno());
        k.deleteVdpaDevice("vdpa0");
        assertTrue(replay(root).vdpaDevices().isEmpty());
        assertEquals("EOPNOTSUPP", assertThrows(HostActionException.class,
                () -> new SimulatedKernel(FixtureHosts.materialize("i350-igb-8vfs")).setEswitchMode(I350_PF0, "switchdev")).errno());
    }

    @Test
    void vhostVdpaBindsAndCreatesCharDevice() {
        Path root = FixtureHosts.materialize("cx6dx-switchdev");
        SimulatedKernel k = new SimulatedKernel(root);
        k.deleteVdpaDevice("vdpa1");
        assertFalse(Files.exists(root.resolve("dev/vhost-vdpa-1")));
        k.addVdpaDevice("vdpa1", "pci/0000:07:01.2", null, 4);
        assertEquals("/dev/vhost-vdpa-1", replay(root).vdpaDevices().get(1).chardev());
        assertEquals("vhost_vdpa", replay(root).vdpaDevices().get(1).driver());
    }

    @Test
    void driverOverrideMovesAVfToVfio() throws Exception {
        Path root = FixtureHosts.materialize("i350-igb-8vfs");
        SimulatedKernel k = new SimulatedKernel(root);
        PciAddress vf = PciAddress.parse("0000:02:11.0");
        k.overrideDriver(vf, "vfio-pci");
        k.unbind(vf);
        k.probe(vf);
        assertEquals("vfio-pci", replay(root).pf("enp1s0f0").orElseThrow().vfs().get(2).driver());
        assertTrue(Files.exists(root.resolve("dev/vfio/18")));
        assertEquals("ENODEV", assertThrows(HostActionException.class, () -> {
            k.overrideDriver(vf, "igb_uio");
            k.unbind(vf);
            k.probe(vf);
        }).errno());
    }

    @Test
    void vfioPciCannotBindWithoutAnIommuGroup() {
        SimulatedKernel k = new SimulatedKernel(FixtureHosts.materialize("iommu-off"));
        PciAddress port1 = PciAddress.parse("0000:03:00.1");
        k.overrideDriver(port1, "vfio-pci");
        HostActionException e = assertThrows(HostActionException.class, () -> k.probe(port1));
        assertEquals("EINVAL", e.errno());
        assertTrue(e.getMessage().contains("failed with error -22"), e.getMessage());
    }

    @Test
    void hugepagesChangeSystemAndNodePools() {
        Path root = FixtureHosts.materialize("82599-ixgbe-aer");
        new SimulatedKernel(root).setHugepages("2048kB", null, 512);
        HostInventory inv = replay(root);
        assertTrue(inv.hugepages().contains(new io.virtwire.provisioner.host.HugepagePool("2048kB", null, 512, 512)));
        assertTrue(inv.hugepages().contains(new io.virtwire.provisioner.host.HugepagePool("2048kB", 0, 512, 512)));
    }
}
