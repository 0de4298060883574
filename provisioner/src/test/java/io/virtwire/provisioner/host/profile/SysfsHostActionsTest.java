package io.virtwire.provisioner.host.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtwire.provisioner.host.CommandException;
import io.virtwire.provisioner.host.FixtureHosts;
import io.virtwire.provisioner.host.HostPaths;
import io.virtwire.provisioner.model.PciAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The real actions write the sysfs files and run the commands an operator would; checked against a host tree. */
class SysfsHostActionsTest {

    private final List<List<String>> ran = new ArrayList<>();

    /** Actions on the tree at {@code root} whose commands succeed silently and are recorded in {@link #ran}. */
    private SysfsHostActions recording(Path root) {
        return new SysfsHostActions(new HostPaths(root), argv -> {
            ran.add(argv);
            return "";
        });
    }

    @Test
    void sysfsWritesGoToTheKernelsFiles() throws Exception {
        Path root = FixtureHosts.materialize("i350-igb-8vfs");
        SysfsHostActions a = recording(root);
        a.setNumVfs(PciAddress.parse("0000:01:00.0"), 0);
        assertEquals("0", Files.readString(root.resolve("sys/bus/pci/devices/0000:01:00.0/sriov_numvfs")));
        a.overrideDriver(PciAddress.parse("0000:02:11.0"), "vfio-pci");
        assertEquals("vfio-pci", Files.readString(root.resolve("sys/bus/pci/devices/0000:02:11.0/driver_override")));
        a.unbind(PciAddress.parse("0000:02:11.0"));
        // through the driver symlink, as "echo BDF > /sys/bus/pci/devices/BDF/driver/unbind" does
        assertEquals("0000:02:11.0", Files.readString(root.resolve("sys/bus/pci/drivers/igbvf/unbind")));
        a.probe(PciAddress.parse("0000:02:11.0"));
        assertEquals("0000:02:11.0", Files.readString(root.resolve("sys/bus/pci/drivers_probe")));
        a.setHugepages("2048kB", 0, 512);
        assertEquals("512", Files.readString(root.resolve("sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages")));
    }

    @Test
    void netlinkChangesRunIproute2() {
        Path root = FixtureHosts.materialize("cx6dx-switchdev");
        SysfsHostActions a = recording(root);
        a.setVfMac("ens2f0", 0, "52:54:00:00:00:01");
        a.setVfVlan("ens2f0", 0, 100, 2);
        a.setVfTrust("ens2f0", 0, true);
        a.setVfSpoofchk("ens2f0", 0, false);
        a.setEswitchMode(PciAddress.parse("0000:07:00.0"), "legacy");
        a.addVdpaDevice("vdpa2", "pci/0000:07:00.2", "00:11:22:33:44:02", 4);
        a.deleteVdpaDevice("vdpa2");
        assertEquals(List.of(
                List.of("ip", "link", "set", "ens2f0", "vf", "0", "mac", "52:54:00:00:00:01"),
                List.of("ip", "link", "set", "ens2f0", "vf", "0", "vlan", "100", "qos", "2"),
                List.of("ip", "link", "set", "ens2f0", "vf", "0", "trust", "on"),
                List.of("ip", "link", "set", "ens2f0", "vf", "0", "spoofchk", "off"),
                List.of("devlink", "dev", "eswitch", "set", "pci/0000:07:00.0", "mode", "legacy"),
                List.of("vdpa", "dev", "add", "name", "vdpa2", "mgmtdev", "pci/0000:07:00.2", "mac", "00:11:22:33:44:02", "max_vqp", "4"),
                List.of("vdpa", "dev", "del", "vdpa2")), ran);
    }

    @Test
    void failuresCarryTheCommandAndTheKernelsAnswer() {
        Path root = FixtureHosts.materialize("i350-igb-8vfs");
        SysfsHostActions a = new SysfsHostActions(new HostPaths(root), argv -> {
            throw new CommandException("'" + String.join(" ", argv) + "' failed (exit 2): RTNETLINK answers: Invalid argument");
        });
        HostActionException e = assertThrows(HostActionException.class, () -> a.setVfMac("enp1s0f0", 9, "52:54:00:00:00:01"));
        assertTrue(e.getMessage().contains("RTNETLINK answers: Invalid argument"), e.getMessage());
        HostActionException w = assertThrows(HostActionException.class, () -> a.setNumVfs(PciAddress.parse("0000:09:00.0"), 1));
        assertEquals("ENOENT", w.errno());
        assertEquals("echo 1 > /sys/bus/pci/devices/0000:09:00.0/sriov_numvfs: No such file or directory", w.getMessage());
        // sysfs attributes are never created by a write
        assertTrue(Files.notExists(root.resolve("sys/bus/pci/devices/0000:09:00.0")));
    }

    @Test
    void kernelConfigurationIsFilesUnderTheRootAndTheDistributionsTools() throws Exception {
        Path root = FixtureHosts.materialize("k68-uio-iommu");
        SysfsHostActions a = recording(root);
        a.writeFile("/etc/modules-load.d/virtwire.conf", "vfio-pci\n");
        Path f = root.resolve("etc/modules-load.d/virtwire.conf");
        assertEquals("vfio-pci\n", Files.readString(f));
        assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        try (var s = Files.list(f.getParent())) {
            assertEquals(List.of(f), s.toList(), "no temp file left");
        }
        a.writeFile("/etc/modules-load.d/virtwire.conf", null);
        assertTrue(Files.notExists(f));
        a.loadModule("vfio-pci");
        a.unloadModule("vhost_vdpa");
        a.updateGrub();
        a.grubby(List.of("intel_iommu=on", "iommu=pt"), List.of("rhgb"));
        a.grubby(List.of(), List.of("quiet"));
        assertEquals(List.of(List.of("modprobe", "vfio-pci"), List.of("modprobe", "-r", "vhost_vdpa"), List.of("update-grub"),
                List.of("grubby", "--update-kernel=ALL", "--args=intel_iommu=on iommu=pt", "--remove-args=rhgb"),
                List.of("grubby", "--update-kernel=ALL", "--remove-args=quiet")), ran);
    }
}
