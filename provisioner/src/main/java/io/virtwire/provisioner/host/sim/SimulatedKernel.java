package io.virtwire.provisioner.host.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.virtwire.provisioner.host.BusRange;
import io.virtwire.provisioner.host.CommandException;
import io.virtwire.provisioner.host.CommandRunner;
import io.virtwire.provisioner.host.HostPaths;
import io.virtwire.provisioner.host.Iproute2;
import io.virtwire.provisioner.model.PciAddress;
import io.virtwire.provisioner.host.PciConfigSpace;
import io.virtwire.provisioner.host.SriovCapability;
import io.virtwire.provisioner.host.VfDrivers;
import io.virtwire.provisioner.host.profile.HostActionException;
import io.virtwire.provisioner.host.profile.HostActions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A kernel over a fixture tree: host writes change the tree the way Linux changes sysfs, and the recorded
 * iproute2 outputs in commands/ are rewritten so that a replayed "ip -j -d link show" (or devlink/vdpa show)
 * reflects the new VF, eswitch and vdpa state. Refusals follow the kernel: EBUSY for a non-zero to non-zero
 * sriov_numvfs change, ERANGE above sriov_totalvfs, ENOMEM when the VFs' bus numbers leave the upstream
 * bridge's range or the VF BARs have no MMIO, ENOENT when the PF driver cannot configure SR-IOV.
 * State lives in the tree, so a later process over the same root sees it.
 */
public final class SimulatedKernel implements HostActions, CommandRunner {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HostPaths paths;
    private final Path commands;
    private final SimulatedBootLoader boot;

    public SimulatedKernel(Path root) {
        this.paths = new HostPaths(root);
        this.commands = paths.root().resolve("commands");
        this.boot = new SimulatedBootLoader(paths);
    }

    public HostPaths paths() {
        return paths;
    }

    // ---- CommandRunner: the show commands replay the (kept up to date) recordings -------------------------------

    @Override
    public String run(List<String> argv) {
        Path file = commands.resolve(CommandRunner.recordingName(argv));
        if (!Files.isRegularFile(file)) {
            throw new CommandException("'" + String.join(" ", argv) + "': not available on the simulated host " + paths.root());
        }
        return read(file);
    }

    // ---- SR-IOV ------------------------------------------------------------------------------------------------

    @Override
    public void setNumVfs(PciAddress pf, int numVfs) {
        Path dev = device(pf);
        String cmd = "echo " + numVfs + " > " + paths.display(dev.resolve("sriov_numvfs"));
        if (!Files.isRegularFile(dev.resolve("sriov_numvfs"))) {
            throw new HostActionException("ENOENT", cmd + ": No such file or directory (" + pf + " has no SR-IOV capability)");
        }
        String driver = paths.linkName(dev.resolve("driver")).orElse(null);
        if (driver == null || VfDrivers.defaultFor(driver).isEmpty()) {
            throw new HostActionException("ENOENT", cmd + ": write error: No such file or directory; dmesg: " + pf
                    + ": Driver does not support SRIOV configuration via sysfs" + (driver == null ? " (no driver bound)" : " (" + driver + ")"));
        }
        int total = paths.readInt(dev.resolve("sriov_totalvfs")).orElse(0);
        int current = paths.readInt(dev.resolve("sriov_numvfs")).orElse(0);
        if (numVfs < 0 || numVfs > total) {
            throw new HostActionException("ERANGE", cmd + ": write error: Numerical result out of range (sriov_totalvfs is " + total + ")");
        }
        if (numVfs == current) {
            return;
        }
        if (current != 0 && numVfs != 0) {
            throw new HostActionException("EBUSY", cmd + ": write error: Device or resource busy; dmesg: " + driver + " " + pf + ": "
                    + current + " VFs already enabled. Disable before enabling " + numVfs + " VFs");
        }
        if (numVfs == 0) {
            removeVfs(pf, dev, current);
        } else {
            SriovCapability sriov = new PciConfigSpace(paths.readBytes(dev.resolve("config")).orElse(new byte[0])).sriov()
                    .orElseThrow(() -> new HostActionException("ENOENT", cmd + ": no SR-IOV capability in config space"));
            Path bridge = paths.real(dev).getParent();
            Optional<BusRange> range = paths.readBytes(bridge.resolve("config")).map(PciConfigSpace::new).flatMap(PciConfigSpace::busRange);
            if (range.isPresent() && sriov.busOfLastVf(pf, numVfs) > range.get().subordinate()) {
                throw new HostActionException("ENOMEM", cmd + ": write error: Cannot allocate memory; dmesg: " + driver + " " + pf + ": "
                        + String.format("can't enable %d VFs (bus %02x out of range of %s)", numVfs, sriov.busOfLastVf(pf, numVfs), range.get().kernelForm()));
            }
            if (!vfBarsAssigned(dev)) {
                throw new HostActionException("ENOMEM", cmd + ": write error: Cannot allocate memory; dmesg: " + driver + " " + pf
                        + ": not enough MMIO resources for SR-IOV");
            }
            createVfs(pf, dev, driver, sriov, numVfs);
        }
        write(dev.resolve("sriov_numvfs"), numVfs + "\n");
    }

    private boolean vfBarsAssigned(Path dev) {
        List<String> lines = paths.read(dev.resolve("resource")).map(s -> s.lines().toList()).orElse(List.of());
        if (lines.size() < 13) {
            return true;
        }
        return lines.subList(7, 13).stream().anyMatch(l -> !l.strip().split("\\s+")[0].matches("0x0*"));
    }

    private void createVfs(PciAddress pf, Path dev, String pfDriver, SriovCapability sriov, int n) {
        Path pfReal = paths.real(dev);
        String vendor = paths.read(dev.resolve("vendor")).orElse("0x0000");
        String numa = paths.read(dev.resolve("numa_node")).orElse("-1");
        String vfDriver = VfDrivers.defaultFor(pfDriver).orElseThrow();
        boolean iommu = !paths.list(paths.resolve("/sys/kernel/iommu_groups")).isEmpty();
        ArrayNode vfinfo = JSON.createArrayNode();
        for (int i = 0; i < n; i++) {
            PciAddress vf = sriov.vfAddress(pf, i);
            Path vfDir = pfReal.getParent().resolve(vf.toString());
            write(vfDir.resolve("vendor"), vendor + "\n");
            write(vfDir.resolve("device"), sriov.vfDeviceId() + "\n");
            write(vfDir.resolve("class"), "0x020000\n");
            write(vfDir.resolve("numa_node"), numa + "\n");
            write(vfDir.resolve("driver_override"), "(null)\n");
            link(vfDir.resolve("physfn"), pfReal);
            link(pfReal.resolve("virtfn" + i), vfDir);
            link(paths.pciDevice(vf), vfDir);
            if (iommu) {
                String group = String.valueOf(nextGroup());
                Path g = paths.resolve("/sys/kernel/iommu_groups/" + group);
                link(g.resolve("devices").resolve(vf.toString()), vfDir);
                link(vfDir.resolve("iommu_group"), g);
            }
            bind(vf, vfDir, vfDriver);
            ObjectNode v = vfinfo.addObject();
            v.put("vf", i).put("link_type", "ether").put("address", "00:00:00:00:00:00").put("broadcast", "ff:ff:ff:ff:ff:ff");
            v.putObject("rate").put("max_tx", 0).put("min_tx", 0);
            v.put("spoofchk", true).put("link_state", "auto").put("trust", false).put("query_rss_en", false);
        }
        ArrayNode links = loadLinks();
        pfLink(links, dev).ifPresent(l -> {
            l.put("num_vf", n);
            l.set("vfinfo_list", vfinfo);
            saveLinks(links);
        });
    }

    private void removeVfs(PciAddress pf, Path dev, int current) {
        Path pfReal = paths.real(dev);
        for (int i = 0; i < current; i++) {
            Path virtfn = pfReal.resolve("virtfn" + i);
            if (!Files.exists(virtfn, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            Path vfDir = paths.real(virtfn);
            String vf = vfDir.getFileName().toString();
            for (String entry : paths.list(vfDir)) {
                if (paths.list(paths.resolve("/sys/bus/vdpa/devices")).contains(entry)) {
                    deleteVdpaDevice(entry);
                }
            }
            paths.linkName(vfDir.resolve("driver")).ifPresent(d -> delete(paths.pciDriver(d).resolve(vf)));
            paths.linkName(vfDir.resolve("iommu_group")).ifPresent(g -> {
                deleteTree(paths.resolve("/sys/kernel/iommu_groups/" + g));
                delete(paths.resolve("/dev/vfio/" + g));
            });
            for (String net : paths.list(vfDir.resolve("net"))) {
                delete(paths.resolve("/sys/class/net/" + net));
            }
            delete(paths.resolve("/sys/bus/pci/devices/" + vf));
            deleteTree(vfDir);
            delete(virtfn);
        }
        ArrayNode links = loadLinks();
        pfLink(links, dev).ifPresent(l -> {
            l.remove("vfinfo_list");
            l.remove("num_vf");
            saveLinks(links);
        });
    }

    private int nextGroup() {
        return paths.list(paths.resolve("/sys/kernel/iommu_groups")).stream().mapToInt(s -> Integer.parseInt(s)).max().orElse(-1) + 1;
    }

    // ---- VF admin settings through the PF (ip link set PF vf N ...) -------------------------------------------

    @Override
    public void setVfMac(String pfNetdev, int vf, String mac) {
        ArrayNode links = loadLinks();
        vfEntry(links, pfNetdev, vf, "mac " + mac).put("address", mac.toLowerCase());
        saveLinks(links);
    }

    @Override
    public void setVfVlan(String pfNetdev, int vf, int vlan, int qos) {
        if (vlan < 0 || vlan > 4094 || qos < 0 || qos > 7) {
            throw new HostActionException("EINVAL", "ip link set " + pfNetdev + " vf " + vf + " vlan " + vlan + " qos " + qos + ": Invalid \"vlan\" value");
        }
        ArrayNode links = loadLinks();
        ObjectNode e = vfEntry(links, pfNetdev, vf, "vlan " + vlan);
        e.remove("vlan_list");
        if (vlan != 0) {
            ObjectNode v = e.putArray("vlan_list").addObject().put("vlan", vlan);
            if (qos != 0) {
                v.put("qos", qos);
            }
        }
        saveLinks(links);
    }

    @Override
    public void setVfTrust(String pfNetdev, int vf, boolean on) {
        ArrayNode links = loadLinks();
        vfEntry(links, pfNetdev, vf, "trust " + (on ? "on" : "off")).put("trust", on);
        saveLinks(links);
    }

    @Override
    public void setVfSpoofchk(String pfNetdev, int vf, boolean on) {
        ArrayNode links = loadLinks();
        vfEntry(links, pfNetdev, vf, "spoofchk " + (on ? "on" : "off")).put("spoofchk", on);
        saveLinks(links);
    }

    private ArrayNode loadLinks() {
        return (ArrayNode) Iproute2.tree(read(commands.resolve(CommandRunner.recordingName(Iproute2.IP_LINK_SHOW))), "ip -j -d link show");
    }

    private void saveLinks(ArrayNode links) {
        write(commands.resolve(CommandRunner.recordingName(Iproute2.IP_LINK_SHOW)), links + "\n");
    }

    private static ObjectNode vfEntry(ArrayNode links, String pfNetdev, int vf, String what) {
        String cmd = "ip link set " + pfNetdev + " vf " + vf + " " + what;
        for (JsonNode l : links) {
            if (pfNetdev.equals(l.path("ifname").asText())) {
                for (JsonNode v : l.path("vfinfo_list")) {
                    if (v.path("vf").asInt() == vf) {
                        return (ObjectNode) v;
                    }
                }
                throw new HostActionException("EINVAL", cmd + ": RTNETLINK answers: Invalid argument (" + pfNetdev + " has no VF " + vf + ")");
            }
        }
        throw new HostActionException("ENODEV", cmd + ": Cannot find device \"" + pfNetdev + "\"");
    }

    /** The PF's uplink entry (not a representor, which shares the PF's parentdev). */
    private Optional<ObjectNode> pfLink(ArrayNode links, Path dev) {
        List<String> nets = paths.list(paths.real(dev).resolve("net"));
        for (JsonNode l : links) {
            if (nets.contains(l.path("ifname").asText()) && l.path("parentdev").asText().equals(paths.real(dev).getFileName().toString())
                    && !paths.read(paths.real(dev).resolve("net").resolve(l.path("ifname").asText()).resolve("phys_port_name")).orElse("").contains("vf")) {
                return Optional.of((ObjectNode) l);
            }
        }
        return Optional.empty();
    }

    // ---- eswitch ------------------------------------------------------------------------------------------------

    @Override
    public void setEswitchMode(PciAddress pf, String mode) {
        String cmd = "devlink dev eswitch set pci/" + pf + " mode " + mode;
        Path file = commands.resolve(CommandRunner.recordingName(Iproute2.DEVLINK_ESWITCH_SHOW));
        ObjectNode root = Files.isRegularFile(file) ? (ObjectNode) Iproute2.tree(read(file), "devlink") : JSON.createObjectNode();
        JsonNode entry = root.path("dev").path("pci/" + pf);
        if (entry.isMissingNode()) {
            throw new HostActionException("EOPNOTSUPP", cmd + ": devlink answers: Operation not supported");
        }
        if (!mode.equals("legacy") && !mode.equals("switchdev")) {
            throw new HostActionException("EINVAL", cmd + ": invalid eswitch mode");
        }
        if (mode.equals(entry.path("mode").asText())) {
            return;
        }
        Path dev = paths.real(device(pf));
        for (String e : paths.list(dev)) {
            if (e.startsWith("virtfn") && Files.exists(dev.resolve(e).resolve("driver"), LinkOption.NOFOLLOW_LINKS)) {
                throw new HostActionException("EBUSY", cmd + ": devlink answers: Device or resource busy (VF " + paths.real(dev.resolve(e)).getFileName()
                        + " is bound to a driver; unbind the VFs first)");
            }
        }
        ((ObjectNode) entry).put("mode", mode).put("encap-mode", mode.equals("switchdev") ? "basic" : "none");
        write(file, root + "\n");
        List<String> nets = paths.list(dev.resolve("net"));
        int fn = pf.function();
        if (mode.equals("switchdev")) {
            String uplink = nets.stream().filter(n -> !paths.read(dev.resolve("net").resolve(n).resolve("phys_port_name")).orElse("").contains("vf"))
                    .findFirst().orElse(null);
            if (uplink != null) {
                write(dev.resolve("net").resolve(uplink).resolve("phys_port_name"), "p" + fn + "\n");
                int vfs = paths.readInt(dev.resolve("sriov_numvfs")).orElse(0);
                for (int i = 0; i < vfs; i++) {
                    Path rep = dev.resolve("net").resolve(uplink + "_" + i);
                    write(rep.resolve("phys_port_name"), "pf" + fn + "vf" + i + "\n");
                    write(rep.resolve("operstate"), "up\n");
                    link(paths.resolve("/sys/class/net/" + uplink + "_" + i), rep);
                }
            }
        } else {
            for (String n : nets) {
                Path pn = dev.resolve("net").resolve(n).resolve("phys_port_name");
                String name = paths.read(pn).orElse("");
                if (name.contains("vf")) {
                    deleteTree(dev.resolve("net").resolve(n));
                    delete(paths.resolve("/sys/class/net/" + n));
                } else if (!name.isEmpty()) {
                    delete(pn);
                }
            }
        }
    }

    // ---- driver binding -----------------------------------------------------------------------------------------

    @Override
    public void overrideDriver(PciAddress device, String driver) {
        write(device(device).resolve("driver_override"), (driver == null ? "(null)" : driver) + "\n");
    }

    @Override
    public void unbind(PciAddress device) {
        Path dev = paths.real(device(device));
        String driver = paths.linkName(dev.resolve("driver")).orElseThrow(() -> new HostActionException("ENOENT",
                "echo " + device + " > /sys/bus/pci/devices/" + device + "/driver/unbind: No such file or directory (not bound)"));
        delete(dev.resolve("driver"));
        delete(paths.pciDriver(driver).resolve(device.toString()));
        if (driver.equals("vfio-pci")) {
            paths.linkName(dev.resolve("iommu_group")).ifPresent(g -> delete(paths.resolve("/dev/vfio/" + g)));
        }
        for (String n : paths.list(dev.resolve("net"))) {
            delete(paths.resolve("/sys/class/net/" + n));
        }
        deleteTree(dev.resolve("net"));
    }

    @Override
    public void probe(PciAddress device) {
        Path dev = paths.real(device(device));
        if (Files.exists(dev.resolve("driver"), LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        String override = paths.read(dev.resolve("driver_override")).filter(s -> !s.equals("(null)") && !s.isEmpty()).orElse(null);
        String driver = override;
        if (driver == null && Files.exists(dev.resolve("physfn"), LinkOption.NOFOLLOW_LINKS)) {
            driver = paths.linkName(dev.resolve("physfn").resolve("driver")).flatMap(VfDrivers::defaultFor).orElse(null);
        } else if (driver == null) {
            // a PF: the kernel driver whose ID table has it, if that module is loaded
            driver = io.virtwire.provisioner.host.PfDrivers.kernelDriverFor(paths.read(dev.resolve("vendor")).orElse(""),
                    paths.read(dev.resolve("device")).orElse("")).filter(d -> Files.isDirectory(paths.pciDriver(d))).orElse(null);
        }
        if (driver == null) {
            throw new HostActionException("ENODEV", "echo " + device + " > /sys/bus/pci/drivers_probe: no driver claims " + device);
        }
        if (!Files.isDirectory(paths.pciDriver(driver)) && override != null) {
            throw new HostActionException("ENODEV", "echo " + device + " > /sys/bus/pci/drivers_probe: driver_override is '" + driver
                    + "' but /sys/bus/pci/drivers/" + driver + " does not exist (modprobe " + driver + ")");
        }
        if (driver.equals("vfio-pci") && !Files.exists(dev.resolve("iommu_group"), LinkOption.NOFOLLOW_LINKS)) {
            throw new HostActionException("EINVAL", "echo " + device + " > /sys/bus/pci/drivers_probe: dmesg: vfio-pci: probe of " + device
                    + " failed with error -22 (no IOMMU group: the IOMMU is off)");
        }
        bind(device, dev, driver);
    }

    private void bind(PciAddress device, Path dev, String driver) {
        Path drv = paths.pciDriver(driver);
        if (!Files.isDirectory(drv)) {
            write(drv.resolve("bind"), "");
            write(drv.resolve("unbind"), "");
        }
        link(dev.resolve("driver"), drv);
        link(drv.resolve(device.toString()), dev);
        if (driver.equals("vfio-pci")) {
            paths.linkName(dev.resolve("iommu_group")).ifPresent(g -> write(paths.resolve("/dev/vfio/" + g), ""));
        } else if (Files.exists(dev.resolve("physfn"), LinkOption.NOFOLLOW_LINKS)) {
            Path pf = paths.real(dev.resolve("physfn"));
            String pfNet = paths.list(pf.resolve("net")).stream().findFirst().orElse("vf");
            String index = "0";
            for (String e : paths.list(pf)) {
                if (e.startsWith("virtfn") && paths.real(pf.resolve(e)).equals(dev)) {
                    index = e.substring(6);
                }
            }
            String name = pfNet + "v" + index;
            Path net = dev.resolve("net").resolve(name);
            write(net.resolve("address"), String.format("02:00:%02x:%02x:%02x:%02x%n", device.bus(), device.slot(), device.function(), Integer.parseInt(index)));
            write(net.resolve("operstate"), "up\n");
            link(paths.resolve("/sys/class/net/" + name), net);
        }
    }

    // ---- vdpa ---------------------------------------------------------------------------------------------------

    @Override
    public void addVdpaDevice(String name, String mgmtdev, String mac, Integer maxVqPairs) {
        String cmd = "vdpa dev add name " + name + " mgmtdev " + mgmtdev;
        Path mgmtFile = commands.resolve(CommandRunner.recordingName(Iproute2.VDPA_MGMTDEV_SHOW));
        Path devFile = commands.resolve(CommandRunner.recordingName(Iproute2.VDPA_DEV_SHOW));
        if (!Files.isRegularFile(mgmtFile) || !Iproute2.vdpaMgmtDevices(read(mgmtFile)).containsKey(mgmtdev)) {
            throw new HostActionException("ENODEV", cmd + ": kernel answers: No such device (no management device " + mgmtdev + ")");
        }
        ObjectNode root = Files.isRegularFile(devFile) ? (ObjectNode) Iproute2.tree(read(devFile), "vdpa dev show") : JSON.createObjectNode();
        ObjectNode devs = root.has("dev") ? (ObjectNode) root.get("dev") : root.putObject("dev");
        if (devs.has(name)) {
            throw new HostActionException("EEXIST", cmd + ": kernel answers: File exists");
        }
        PciAddress parent = PciAddress.parse(mgmtdev.replace("pci/", ""));
        Path vfDir = paths.real(device(parent));
        if (Files.exists(vfDir.resolve("physfn"), LinkOption.NOFOLLOW_LINKS)) {
            String pf = paths.real(vfDir.resolve("physfn")).getFileName().toString();
            Path eswitch = commands.resolve(CommandRunner.recordingName(Iproute2.DEVLINK_ESWITCH_SHOW));
            String mode = Files.isRegularFile(eswitch) ? Iproute2.eswitchModes(read(eswitch)).get("pci/" + pf) : null;
            if ("legacy".equals(mode)) {
                throw new HostActionException("EOPNOTSUPP", cmd + ": kernel answers: Operation not supported (eswitch of " + pf + " is in legacy mode)");
            }
        }
        Path dir = vfDir.resolve(name);
        link(dir.resolve("subsystem"), paths.resolve("/sys/bus/vdpa"));
        link(paths.resolve("/sys/bus/vdpa/devices/" + name), dir);
        Path vhost = paths.resolve("/sys/bus/vdpa/drivers/vhost_vdpa");
        if (Files.isDirectory(vhost)) {
            bindVhostVdpa(name, dir, vhost);
        }
        ObjectNode d = devs.putObject(name);
        d.put("type", "network").put("mgmtdev", mgmtdev).put("vendor_id", 5555).put("max_vqs", 2 * (maxVqPairs == null ? 1 : maxVqPairs) + 1)
                .put("max_vq_size", 256);
        write(devFile, root + "\n");
    }

    private void bindVhostVdpa(String name, Path dir, Path vhost) {
        int n = 0;
        while (Files.exists(paths.resolve("/dev/vhost-vdpa-" + n))) {
            n++;
        }
        link(dir.resolve("driver"), vhost);
        link(vhost.resolve(name), dir);
        write(dir.resolve("vhost-vdpa-" + n).resolve("dev"), "240:" + n + "\n");
        write(paths.resolve("/dev/vhost-vdpa-" + n), "");
    }

    @Override
    public void deleteVdpaDevice(String name) {
        Path link = paths.resolve("/sys/bus/vdpa/devices/" + name);
        if (!Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
            throw new HostActionException("ENODEV", "vdpa dev del " + name + ": kernel answers: No such device");
        }
        Path dir = paths.real(link);
        for (String e : paths.list(dir)) {
            if (e.startsWith("vhost-vdpa-")) {
                delete(paths.resolve("/dev/" + e));
            }
        }
        paths.linkName(dir.resolve("driver")).ifPresent(d -> delete(paths.resolve("/sys/bus/vdpa/drivers/" + d + "/" + name)));
        deleteTree(dir);
        delete(link);
        Path devFile = commands.resolve(CommandRunner.recordingName(Iproute2.VDPA_DEV_SHOW));
        if (Files.isRegularFile(devFile)) {
            ObjectNode root = (ObjectNode) Iproute2.tree(read(devFile), "vdpa dev show");
            if (root.get("dev") instanceof ObjectNode devs) {
                devs.remove(name);
            }
            write(devFile, root + "\n");
        }
    }

    // ---- hugepages ----------------------------------------------------------------------------------------------

    @Override
    public void setHugepages(String size, Integer node, long count) {
        Path system = paths.resolve("/sys/kernel/mm/hugepages/hugepages-" + size);
        if (!Files.isDirectory(system)) {
            throw new HostActionException("ENOENT", "echo " + count + " > " + paths.display(system.resolve("nr_hugepages")) + ": No such file or directory");
        }
        List<String> nodes = paths.list(paths.resolve("/sys/devices/system/node")).stream().filter(n -> n.matches("node\\d+")).toList();
        if (node != null && !nodes.contains("node" + node)) {
            throw new HostActionException("ENOENT", "NUMA node " + node + " does not exist");
        }
        Integer target = node != null ? node : nodes.size() == 1 ? Integer.valueOf(nodes.getFirst().substring(4)) : null;
        long before = paths.readInt(system.resolve("nr_hugepages")).orElse(0);
        long delta;
        if (node == null) {
            delta = count - before;
        } else {
            Path np = paths.resolve("/sys/devices/system/node/node" + node + "/hugepages/hugepages-" + size);
            delta = count - paths.readInt(np.resolve("nr_hugepages")).orElse(0);
        }
        adjust(system, delta);
        if (target != null) {
            adjust(paths.resolve("/sys/devices/system/node/node" + target + "/hugepages/hugepages-" + size), delta);
        }
    }

    private void adjust(Path pool, long delta) {
        long total = paths.readInt(pool.resolve("nr_hugepages")).orElse(0);
        long free = paths.readInt(pool.resolve("free_hugepages")).orElse(0);
        long used = total - free;
        long newTotal = Math.max(used, total + delta);
        write(pool.resolve("nr_hugepages"), newTotal + "\n");
        write(pool.resolve("free_hugepages"), (newTotal - used) + "\n");
    }

    // ---- kernel configuration: files, modules, boot loader --------------------------------------------------------

    /** Where the commands the simulated kernel ran (modprobe, update-grub, grubby, file writes) are recorded, one per line. */
    public static final String COMMAND_LOG = "/var/log/virtwire/simulated-commands.log";

    /** The commands run on this simulated host so far, oldest first. */
    public List<String> executed() {
        return paths.read(paths.resolve(COMMAND_LOG)).map(s -> s.lines().toList()).orElse(List.of());
    }

    private void record(String command) {
        Path log = paths.resolve(COMMAND_LOG);
        try {
            Files.createDirectories(log.getParent());
            Files.writeString(log, command + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void writeFile(String hostPath, String content) {
        if (!hostPath.startsWith("/etc/")) {
            throw new HostActionException("EPERM", "virtwire writes only its own files under /etc, not " + hostPath);
        }
        record(content == null ? "rm -f " + hostPath : "write " + hostPath);
        if (content == null) {
            delete(paths.resolve(hostPath));
        } else {
            write(paths.resolve(hostPath), content);
        }
    }

    @Override
    public void loadModule(String module) {
        record("modprobe " + module);
        String key = module.replace('-', '_');
        String release = paths.read(paths.resolve("/proc/sys/kernel/osrelease")).orElse("?");
        Path dep = paths.resolve("/lib/modules/" + release + "/modules.dep");
        boolean known = paths.read(dep).map(t -> t.lines().map(l -> l.split(":", 2)[0]).map(f -> f.substring(f.lastIndexOf('/') + 1))
                .map(f -> f.contains(".ko") ? f.substring(0, f.indexOf(".ko")) : f).anyMatch(f -> f.replace('-', '_').equals(key))).orElse(false);
        if (!known) {
            throw new HostActionException("ENOENT", "modprobe " + module + ": modprobe: FATAL: Module " + module + " not found in directory /lib/modules/" + release);
        }
        List<String> chain = switch (key) {
            case "vfio_pci" -> List.of("vfio", "vfio_iommu_type1", "vfio_pci_core", "vfio_pci");
            case "vhost_vdpa" -> List.of("vdpa", "vhost_iotlb", "vhost", "vhost_vdpa");
            default -> List.of(key);
        };
        for (String m : chain) {
            Path mod = paths.resolve("/sys/module/" + m);
            if (!Files.exists(mod.resolve("initstate"))) {
                write(mod.resolve("initstate"), "live\n");
                if (m.equals("vfio_iommu_type1")) {
                    write(mod.resolve("parameters/allow_unsafe_interrupts"), "N\n");
                }
                applyOptions(m, mod);
            }
        }
        switch (key) {
            case "vfio_pci" -> {
                Path drv = paths.pciDriver("vfio-pci");
                write(drv.resolve("bind"), "");
                write(drv.resolve("unbind"), "");
                write(drv.resolve("new_id"), "");
                write(paths.resolve("/dev/vfio/vfio"), "");
            }
            case "vhost_vdpa" -> {
                Path drv = paths.resolve("/sys/bus/vdpa/drivers/vhost_vdpa");
                write(drv.resolve("bind"), "");
                write(drv.resolve("unbind"), "");
                // like the real driver, it takes the vdpa devices no driver has
                for (String name : paths.list(paths.resolve("/sys/bus/vdpa/devices"))) {
                    Path dir = paths.real(paths.resolve("/sys/bus/vdpa/devices/" + name));
                    if (!Files.exists(dir.resolve("driver"), LinkOption.NOFOLLOW_LINKS)) {
                        bindVhostVdpa(name, dir, drv);
                    }
                }
            }
            case "uio_pci_generic", "igb", "ixgbe", "igc", "e1000", "vmxnet3" -> {
                Path drv = paths.pciDriver(key);
                write(drv.resolve("bind"), "");
                write(drv.resolve("unbind"), "");
            }
            default -> {
            }
        }
    }

    /** Options from /etc/modprobe.d/*.conf become /sys/module/M/parameters/P, as modprobe passes them to the module. */
    private void applyOptions(String module, Path mod) {
        for (String f : paths.list(paths.resolve("/etc/modprobe.d"))) {
            for (String l : paths.read(paths.resolve("/etc/modprobe.d/" + f)).orElse("").lines().map(String::strip).toList()) {
                String[] w = l.split("\\s+");
                if (w.length > 2 && w[0].equals("options") && w[1].replace('-', '_').equals(module)) {
                    for (int i = 2; i < w.length; i++) {
                        String[] kv = w[i].split("=", 2);
                        if (kv.length == 2) {
                            String v = kv[1].equals("1") ? "Y" : kv[1].equals("0") ? "N" : kv[1];
                            write(mod.resolve("parameters").resolve(kv[0]), v + "\n");
                        }
                    }
                }
            }
        }
    }

    @Override
    public void unloadModule(String module) {
        record("modprobe -r " + module);
        String key = module.replace('-', '_');
        Path drv = key.equals("vfio_pci") ? paths.pciDriver("vfio-pci") : key.equals("vhost_vdpa") ? paths.resolve("/sys/bus/vdpa/drivers/vhost_vdpa")
                : paths.pciDriver(key);
        boolean inUse = paths.list(drv).stream().anyMatch(e -> e.matches("[0-9a-f]{4}:.*|vdpa.*") || Files.isSymbolicLink(drv.resolve(e)) && !e.equals("module"));
        if (inUse) {
            throw new HostActionException("EBUSY", "modprobe -r " + module + ": modprobe: FATAL: Module " + key + " is in use.");
        }
        deleteTree(drv);
        // like modprobe -r, the dependencies it pulled in go too
        List<String> chain = switch (key) {
            case "vfio_pci" -> List.of("vfio_pci", "vfio_pci_core", "vfio_iommu_type1", "vfio");
            case "vhost_vdpa" -> List.of("vhost_vdpa", "vhost", "vhost_iotlb", "vdpa");
            default -> List.of(key);
        };
        chain.forEach(m -> deleteTree(paths.resolve("/sys/module/" + m)));
    }

    /** grub-mkconfig's handling of the command line; see {@link SimulatedBootLoader#updateGrub}. */
    @Override
    public void updateGrub() {
        record("update-grub");
        boot.updateGrub();
    }

    @Override
    public void grubby(List<String> add, List<String> remove) {
        record("grubby --update-kernel=ALL" + (add.isEmpty() ? "" : " --args=\"" + String.join(" ", add) + "\"")
                + (remove.isEmpty() ? "" : " --remove-args=\"" + String.join(" ", remove) + "\""));
        boot.grubby(add, remove);
    }

    // ---- tree helpers -------------------------------------------------------------------------------------------

    private Path device(PciAddress address) {
        Path dev = paths.pciDevice(address);
        if (!Files.exists(dev)) {
            throw new HostActionException("ENODEV", "no PCI device " + address + " (" + paths.display(dev) + " does not exist)");
        }
        return dev;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(Path file, String content) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void link(Path link, Path target) {
        try {
            Files.createDirectories(link.getParent());
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, link.getParent().relativize(target));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Iterator<Path> it = s.sorted(Comparator.reverseOrder()).iterator(); it.hasNext(); ) {
                Files.deleteIfExists(it.next());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
