package io.virtwire.provisioner.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class HostInventoryReaderTest {

    static HostInventory read(String host) {
        Path root = FixtureHosts.materialize(host);
        return new HostInventoryReader(new HostPaths(root), new RecordedCommandRunner(root.resolve("commands"))).read();
    }

    @Test
    void materialisedTreeHasRealSymlinksLikeSysfs() throws Exception {
        Path root = FixtureHosts.materialize("i350-igb-8vfs");
        Path pf = root.resolve("sys/bus/pci/devices/0000:01:00.0");
        assertTrue(Files.isSymbolicLink(pf));
        assertEquals("../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0", Files.readSymbolicLink(pf).toString());
        assertEquals("0000:02:10.4", pf.resolve("virtfn1").toRealPath().getFileName().toString());
        assertEquals("0000:01:00.0", root.resolve("sys/bus/pci/devices/0000:02:10.4/physfn").toRealPath().getFileName().toString());
        assertEquals("igb", Files.readSymbolicLink(pf.resolve("driver")).getFileName().toString());
    }

    @Test
    void i350InventoryShowsPfsVfsIommuAndHugepages() {
        HostInventory inv = read("i350-igb-8vfs");
        assertEquals("6.1.0-18-amd64", inv.kernelRelease());
        assertTrue(inv.iommu().enabled());
        assertTrue(inv.iommu().passthrough());
        assertEquals("on", inv.iommu().cmdlineFlags().get("intel_iommu"));
        assertEquals(List.of("dmar0"), inv.iommu().units());
        assertTrue(inv.driverLoaded("vfio-pci"));
        assertFalse(inv.driverLoaded("uio_pci_generic"));
        assertEquals(2, inv.pfs().size());
        PhysicalFunction pf = inv.pf("enp1s0f0").orElseThrow();
        assertEquals("0000:01:00.0", pf.address());
        assertEquals("0x8086", pf.vendorId());
        assertEquals("0x1521", pf.deviceId());
        assertEquals("igb", pf.driver());
        assertEquals(0, pf.numaNode());
        assertEquals("up", pf.link());
        assertEquals(7, pf.sriovTotalVfs());
        assertEquals(4, pf.sriovNumVfs());
        assertEquals("14", pf.iommuGroup());
        // config space: the I350's SR-IOV capability as lspci prints it (VF offset 384, stride 4, Device ID 1520)
        assertEquals(8, pf.sriov().totalVfs());
        assertEquals(384, pf.sriov().firstVfOffset());
        assertEquals(4, pf.sriov().vfStride());
        assertEquals("0x1520", pf.sriov().vfDeviceId());
        assertEquals(0x160, pf.sriov().offset());
        assertTrue(pf.sriov().vfBarsAssigned());
        assertEquals(0, pf.acs().capability());
        assertEquals("0000:00:01.0", pf.upstreamBridge().address());
        assertEquals(new BusRange(1, 2), pf.upstreamBridge().busRange());
        assertTrue(pf.upstreamBridge().acs().enforcesIsolation());
        assertEquals(new AerCounters(0, 0, 0), pf.aer());
        assertEquals(4, pf.vfs().size());
        VirtualFunction vf1 = pf.vfs().get(1);
        assertEquals(1, vf1.index());
        assertEquals("0000:02:10.4", vf1.address());
        assertEquals("vfio-pci", vf1.driver());
        assertEquals("00:00:00:00:00:00", vf1.mac());
        assertTrue(vf1.macUnset());
        assertEquals(Boolean.TRUE, vf1.spoofchk());
        assertEquals(Boolean.FALSE, vf1.trust());
        assertEquals("auto", vf1.linkState());
        assertEquals("17", vf1.iommuGroup());
        assertEquals("igbvf", pf.vfs().get(2).driver());
        assertEquals("enp2s17", pf.vfs().get(2).netdev());
        assertTrue(inv.hugepages().contains(new HugepagePool("2048kB", null, 1024, 1024)));
        assertTrue(inv.hugepages().contains(new HugepagePool("2048kB", 0, 1024, 1024)));
        assertTrue(inv.memlock().unlimited());
        assertTrue(inv.unreadable().isEmpty(), inv.unreadable().toString());
    }

    @Test
    void ixgbeHasAssignedVfWithVlanAndAerCounters() {
        HostInventory inv = read("82599-ixgbe-aer");
        PhysicalFunction pf = inv.pf("0000:04:00.0").orElseThrow();
        assertEquals(new AerCounters(5, 2, 0), pf.aer());
        assertEquals(128, pf.sriov().firstVfOffset());
        assertEquals(2, pf.sriov().vfStride());
        VirtualFunction vf = pf.vfs().getFirst();
        assertEquals("0000:04:10.0", vf.address());
        assertEquals(100, vf.vlan());
        assertEquals("52:54:00:6b:3c:58", vf.mac());
        assertFalse(inv.iommu().passthrough());
        assertEquals(8388608L, inv.memlock().softBytes());
    }

    @Test
    void connectXInSwitchdevShowsRepresentorsAndVdpa() {
        HostInventory inv = read("cx6dx-switchdev");
        PhysicalFunction pf = inv.pf("ens2f0").orElseThrow();
        assertEquals("switchdev", pf.eswitchMode());
        assertEquals(List.of("ens2f0_0"), pf.representors());
        assertEquals("0000:07:00.2", pf.vfs().getFirst().address());
        assertEquals("0000:07:01.2", inv.pf("ens2f1").orElseThrow().vfs().getFirst().address());
        assertEquals(2, inv.vdpaDevices().size());
        VdpaDevice v0 = inv.vdpaDevices().getFirst();
        assertEquals(new VdpaDevice("vdpa0", "pci/0000:07:00.2", "0000:07:00.2", "vhost_vdpa", "/dev/vhost-vdpa-0"), v0);
        assertEquals(2, inv.vdpaMgmtDevices().size());
        assertTrue(inv.driverLoaded("vhost_vdpa"));
        assertTrue(inv.hugepages().contains(new HugepagePool("1048576kB", null, 16, 16)));
    }

    @Test
    void iommuOffHostHasNoGroupsAndUnassignedVfBars() {
        HostInventory inv = read("iommu-off");
        assertFalse(inv.iommu().enabled());
        assertEquals("off", inv.iommu().cmdlineFlags().get("intel_iommu"));
        PhysicalFunction pf = inv.pf("0000:03:00.0").orElseThrow();
        assertFalse(pf.sriov().vfBarsAssigned());
        assertNull(pf.iommuGroup());
        assertNull(inv.pf("0000:03:00.1").orElseThrow().driver());
    }

    @Test
    void unprivilegedConfigReadsAreNotedAndCapabilitiesLeftUnknown() throws Exception {
        Path root = FixtureHosts.materialize("i350-igb-8vfs");
        Path config = root.resolve("sys/bus/pci/devices/0000:01:00.1/config");
        Files.write(config, java.util.Arrays.copyOf(Files.readAllBytes(config), 64));
        HostInventory inv = new HostInventoryReader(new HostPaths(root), new RecordedCommandRunner(root.resolve("commands"))).read();
        assertNull(inv.pf("0000:01:00.1").orElseThrow().sriov());
        assertNotNull(inv.pf("0000:01:00.0").orElseThrow().sriov());
        assertTrue(inv.unreadable().contains("/sys/bus/pci/devices/0000:01:00.1/config: only 64 bytes readable "
                + "(run as root to see the SR-IOV and ACS capabilities)"), inv.unreadable().toString());
    }

    @Test
    void everyBundledHostMaterialisesAndReadsAndUnknownNamesAreRefused() {
        for (String host : FixtureHosts.NAMES) {
            HostInventory inv = read(host);
            assertFalse(inv.pfs().isEmpty(), host);
            assertNotNull(inv.kernelRelease(), host);
        }
        io.virtwire.provisioner.VirtwireException e = org.junit.jupiter.api.Assertions.assertThrows(
                io.virtwire.provisioner.VirtwireException.class, () -> FixtureHosts.materialize("x710"));
        assertEquals(io.virtwire.provisioner.VirtwireException.Kind.NOT_FOUND, e.kind());
        assertTrue(e.getMessage().contains("i350-igb-8vfs"), e.getMessage());
    }

    @Test
    void missingToolIsReportedNotFatal() {
        Path root = FixtureHosts.materialize("k68-uio-iommu");
        HostInventory inv = new HostInventoryReader(new HostPaths(root), new RecordedCommandRunner(root.resolve("nowhere"))).read();
        assertEquals(2, inv.pfs().size());
        assertFalse(inv.unreadable().isEmpty());
        assertTrue(inv.unreadable().getFirst().startsWith("ip -j -d link show"), inv.unreadable().toString());
        assertNotNull(inv.pfs().getFirst().sriov());
        assertEquals(608, inv.kernelVersion());
    }
}
