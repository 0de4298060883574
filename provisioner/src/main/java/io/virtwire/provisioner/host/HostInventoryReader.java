package io.virtwire.provisioner.host;

import io.virtwire.provisioner.model.PciAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a {@link HostInventory} from sysfs/procfs under {@link HostPaths} plus iproute2 JSON through a {@link CommandRunner}. */
public final class HostInventoryReader {

    public static final List<String> PCI_DRIVERS_OF_INTEREST = List.of("vfio-pci", "uio_pci_generic", "igb_uio");
    public static final List<String> VDPA_DRIVERS_OF_INTEREST = List.of("vhost_vdpa", "virtio_vdpa");
    private static final Set<String> IOMMU_FLAGS = Set.of("intel_iommu", "amd_iommu", "iommu", "iommu.passthrough", "iommu.strict",
            "pci", "pcie_acs_override", "vfio-pci.ids", "vfio_iommu_type1.allow_unsafe_interrupts");
    private static final Pattern VIRTFN = Pattern.compile("virtfn(\\d+)");
    private static final Pattern REPRESENTOR = Pattern.compile("(?:c\\d+)?pf\\d+(?:vf|sf)\\d+");
    private static final Pattern TOTAL_ERR = Pattern.compile("TOTAL_ERR_\\w+\\s+(\\d+)");

    private final HostPaths paths;
    private final CommandRunner commands;

    public HostInventoryReader(HostPaths paths, CommandRunner commands) {
        this.paths = paths;
        this.commands = commands;
    }

    public HostInventory read() {
        List<String> unreadable = new ArrayList<>();
        Map<String, Iproute2.Link> links = command(unreadable, Iproute2.IP_LINK_SHOW, () -> Iproute2.links(run(Iproute2.IP_LINK_SHOW)), Map.of());
        Map<String, String> eswitch = command(unreadable, Iproute2.DEVLINK_ESWITCH_SHOW,
                () -> Iproute2.eswitchModes(run(Iproute2.DEVLINK_ESWITCH_SHOW)), Map.of());
        boolean vdpaBus = Files.isDirectory(paths.resolve("/sys/bus/vdpa"));
        Map<String, List<String>> mgmt = vdpaBus ? command(unreadable, Iproute2.VDPA_MGMTDEV_SHOW,
                () -> Iproute2.vdpaMgmtDevices(run(Iproute2.VDPA_MGMTDEV_SHOW)), Map.of()) : Map.of();
        Map<String, Iproute2.VdpaDev> vdpaDevs = vdpaBus ? command(unreadable, Iproute2.VDPA_DEV_SHOW,
                () -> Iproute2.vdpaDevices(run(Iproute2.VDPA_DEV_SHOW)), Map.of()) : Map.of();

        List<String> cmdline = paths.read(paths.resolve("/proc/cmdline")).map(s -> List.of(s.split("\\s+"))).orElse(List.of());
        String release = paths.read(paths.resolve("/proc/sys/kernel/osrelease")).orElse(null);
        return new HostInventory(
                release,
                cmdline,
                new KernelStateReader(paths).read(release),
                iommu(cmdline),
                drivers(),
                pfs(links, eswitch, unreadable),
                mgmt.entrySet().stream().map(e -> new VdpaMgmtDevice(e.getKey(), e.getValue())).toList(),
                vdpaDevices(vdpaDevs),
                hugepages(),
                memlock(),
                Reservations.read(paths),
                List.copyOf(unreadable));
    }

    private String run(List<String> argv) {
        return commands.run(argv);
    }

    private static <T> T command(List<String> unreadable, List<String> argv, Supplier<T> read, T fallback) {
        try {
            return read.get();
        } catch (CommandException e) {
            unreadable.add(String.join(" ", argv) + ": " + e.getMessage());
            return fallback;
        }
    }

    private IommuInfo iommu(List<String> cmdline) {
        Map<String, String> flags = new LinkedHashMap<>();
        for (String word : cmdline) {
            int eq = word.indexOf('=');
            String key = eq < 0 ? word : word.substring(0, eq);
            if (IOMMU_FLAGS.contains(key)) {
                flags.merge(key, eq < 0 ? "" : word.substring(eq + 1), (a, b) -> a + "," + b);
            }
        }
        boolean passthrough = List.of(flags.getOrDefault("iommu", "").split(",")).contains("pt")
                || "1".equals(flags.get("iommu.passthrough"));
        List<IommuGroup> groups = new ArrayList<>();
        Path groupsDir = paths.resolve("/sys/kernel/iommu_groups");
        List<String> ids = paths.list(groupsDir);
        ids.sort(Comparator.comparingInt(s -> HostPaths.parseInt(s).orElse(Integer.MAX_VALUE)));
        for (String id : ids) {
            List<IommuGroup.GroupMember> members = new ArrayList<>();
            for (String dev : paths.list(groupsDir.resolve(id).resolve("devices"))) {
                Path d = paths.resolve("/sys/bus/pci/devices/" + dev);
                String cls = paths.read(d.resolve("class")).orElse(null);
                members.add(new IommuGroup.GroupMember(dev, paths.linkName(d.resolve("driver")).orElse(null), cls,
                        cls != null && cls.startsWith("0x0604")));
            }
            groups.add(new IommuGroup(id, List.copyOf(members)));
        }
        return new IommuInfo(!groups.isEmpty(), paths.list(paths.resolve("/sys/class/iommu")), flags, passthrough, List.copyOf(groups));
    }

    private Map<String, Boolean> drivers() {
        Map<String, Boolean> out = new LinkedHashMap<>();
        for (String d : PCI_DRIVERS_OF_INTEREST) {
            out.put(d, Files.isDirectory(paths.pciDriver(d)));
        }
        for (String d : VDPA_DRIVERS_OF_INTEREST) {
            out.put(d, Files.isDirectory(paths.resolve("/sys/bus/vdpa/drivers/" + d)));
        }
        return out;
    }

    private List<PhysicalFunction> pfs(Map<String, Iproute2.Link> links, Map<String, String> eswitch, List<String> unreadable) {
        List<PhysicalFunction> out = new ArrayList<>();
        for (String name : paths.list(paths.resolve("/sys/bus/pci/devices"))) {
            Path dev = paths.resolve("/sys/bus/pci/devices/" + name);
            String cls = paths.read(dev.resolve("class")).orElse("");
            if (!cls.startsWith("0x02") || Files.exists(dev.resolve("physfn"), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            out.add(pf(name, dev, links, eswitch, unreadable));
        }
        return List.copyOf(out);
    }

    private PhysicalFunction pf(String address, Path dev, Map<String, Iproute2.Link> links, Map<String, String> eswitch, List<String> unreadable) {
        List<String> netdevs = paths.list(dev.resolve("net"));
        String uplink = null;
        List<String> representors = new ArrayList<>();
        for (String n : netdevs) {
            String portName = paths.read(dev.resolve("net").resolve(n).resolve("phys_port_name")).orElse("");
            if (REPRESENTOR.matcher(portName).matches()) {
                representors.add(n);
            } else if (uplink == null) {
                uplink = n;
            }
        }
        Optional<PciConfigSpace> config = paths.readBytes(dev.resolve("config")).map(PciConfigSpace::new);
        if (config.isPresent() && config.get().length() < 0x100) {
            // the kernel hands unprivileged readers only the first 64 bytes of config space
            unreadable.add(paths.display(dev.resolve("config")) + ": only " + config.get().length()
                    + " bytes readable (run as root to see the SR-IOV and ACS capabilities)");
        }
        SriovCapability sriov = config.flatMap(PciConfigSpace::sriov).map(c -> c.withVfBarsAssigned(vfBarsAssigned(dev))).orElse(null);
        Iproute2.Link link = uplink == null ? null : links.get(uplink);
        List<VirtualFunction> vfs = new ArrayList<>();
        for (String entry : paths.list(dev)) {
            Matcher m = VIRTFN.matcher(entry);
            if (!m.matches()) {
                continue;
            }
            int index = Integer.parseInt(m.group(1));
            Path vf = dev.resolve(entry);
            Iproute2.VfInfo info = link == null ? null : link.vfs().stream().filter(v -> v.vf() == index).findFirst().orElse(null);
            List<String> vfNet = paths.list(vf.resolve("net"));
            vfs.add(new VirtualFunction(index, paths.linkName(vf).orElse(null), paths.linkName(vf.resolve("driver")).orElse(null),
                    vfNet.isEmpty() ? null : vfNet.getFirst(),
                    info == null ? null : info.mac(), info == null ? null : info.vlan(), info == null ? null : info.qos(),
                    info == null ? null : info.trust(), info == null ? null : info.spoofchk(), info == null ? null : info.linkState(),
                    paths.linkName(vf.resolve("iommu_group")).orElse(null)));
        }
        vfs.sort(Comparator.comparingInt(VirtualFunction::index));
        return new PhysicalFunction(address,
                paths.read(dev.resolve("vendor")).orElse(null),
                paths.read(dev.resolve("device")).orElse(null),
                paths.linkName(dev.resolve("driver")).orElse(null),
                uplink,
                paths.readInt(dev.resolve("numa_node")).filter(n -> n >= 0).orElse(null), // sysfs: -1 for none
                uplink == null ? null : paths.read(dev.resolve("net").resolve(uplink).resolve("operstate")).orElse(null),
                paths.readInt(dev.resolve("sriov_totalvfs")).orElse(null),
                paths.readInt(dev.resolve("sriov_numvfs")).orElse(null),
                eswitch.get("pci/" + address),
                paths.linkName(dev.resolve("iommu_group")).orElse(null),
                sriov,
                config.flatMap(PciConfigSpace::acs).orElse(null),
                upstreamBridge(dev),
                aer(dev),
                List.copyOf(representors),
                List.copyOf(vfs));
    }

    /** VF BARs are resources 7..12 of the sysfs "resource" file; all-zero lines mean the IOV BARs got no MMIO space. */
    private Boolean vfBarsAssigned(Path dev) {
        Optional<String> resource = paths.read(dev.resolve("resource"));
        if (resource.isEmpty()) {
            return null;
        }
        List<String> lines = resource.get().lines().toList();
        if (lines.size() < 13) {
            return null;
        }
        for (int i = 7; i <= 12; i++) {
            String start = lines.get(i).strip().split("\\s+")[0];
            if (!start.matches("0x0*")) {
                return true;
            }
        }
        return false;
    }

    private PciBridge upstreamBridge(Path dev) {
        Path parent = paths.real(dev).getParent();
        if (parent == null || !PciAddress.looksLike(parent.getFileName().toString())) {
            return null;
        }
        Optional<PciConfigSpace> config = paths.readBytes(parent.resolve("config")).map(PciConfigSpace::new);
        return new PciBridge(parent.getFileName().toString(), config.flatMap(PciConfigSpace::busRange).orElse(null),
                config.flatMap(PciConfigSpace::acs).orElse(null));
    }

    private AerCounters aer(Path dev) {
        Optional<Long> cor = aerTotal(dev.resolve("aer_dev_correctable"));
        Optional<Long> nonfatal = aerTotal(dev.resolve("aer_dev_nonfatal"));
        Optional<Long> fatal = aerTotal(dev.resolve("aer_dev_fatal"));
        if (cor.isEmpty() && nonfatal.isEmpty() && fatal.isEmpty()) {
            return null;
        }
        return new AerCounters(cor.orElse(0L), nonfatal.orElse(0L), fatal.orElse(0L));
    }

    /** The AER counters of one PCI device (what the watcher polls, without reading the whole inventory); null without AER. */
    public AerCounters aer(io.virtwire.provisioner.model.PciAddress device) {
        return aer(paths.pciDevice(device));
    }

    public Optional<Long> aerTotal(Path file) {
        return paths.read(file).map(text -> {
            Matcher m = TOTAL_ERR.matcher(text);
            if (m.find()) {
                return Long.parseLong(m.group(1));
            }
            long sum = 0;
            for (String line : text.lines().toList()) {
                String[] w = line.strip().split("\\s+");
                if (w.length == 2 && w[1].matches("\\d+")) {
                    sum += Long.parseLong(w[1]);
                }
            }
            return sum;
        });
    }

    private List<VdpaDevice> vdpaDevices(Map<String, Iproute2.VdpaDev> fromTool) {
        List<VdpaDevice> out = new ArrayList<>();
        for (String name : paths.list(paths.resolve("/sys/bus/vdpa/devices"))) {
            Path dev = paths.resolve("/sys/bus/vdpa/devices/" + name);
            Path parent = paths.real(dev).getParent();
            String parentAddress = parent != null && PciAddress.looksLike(parent.getFileName().toString()) ? parent.getFileName().toString() : null;
            String chardev = null;
            for (String entry : paths.list(dev)) {
                if (entry.startsWith("vhost-vdpa-") && Files.exists(paths.resolve("/dev/" + entry))) {
                    chardev = "/dev/" + entry;
                }
            }
            Iproute2.VdpaDev tool = fromTool.get(name);
            String mgmtdev = tool != null ? tool.mgmtdev() : parentAddress == null ? null : "pci/" + parentAddress;
            out.add(new VdpaDevice(name, mgmtdev, parentAddress, paths.linkName(dev.resolve("driver")).orElse(null), chardev));
        }
        return List.copyOf(out);
    }

    private List<HugepagePool> hugepages() {
        List<HugepagePool> out = new ArrayList<>();
        Path global = paths.resolve("/sys/kernel/mm/hugepages");
        for (String dir : paths.list(global)) {
            out.add(pool(global.resolve(dir), dir, null));
        }
        Path nodes = paths.resolve("/sys/devices/system/node");
        for (String node : paths.list(nodes)) {
            if (!node.matches("node\\d+")) {
                continue;
            }
            Path hp = nodes.resolve(node).resolve("hugepages");
            for (String dir : paths.list(hp)) {
                out.add(pool(hp.resolve(dir), dir, Integer.parseInt(node.substring(4))));
            }
        }
        return List.copyOf(out);
    }

    private HugepagePool pool(Path dir, String name, Integer node) {
        return new HugepagePool(name.replace("hugepages-", ""), node, paths.readInt(dir.resolve("nr_hugepages")).orElse(0),
                paths.readInt(dir.resolve("free_hugepages")).orElse(0));
    }

    private MemlockLimit memlock() {
        Path limits = paths.resolve("/proc/self/limits");
        for (String line : paths.read(limits).orElse("").lines().toList()) {
            if (line.startsWith("Max locked memory")) {
                String[] w = line.substring("Max locked memory".length()).strip().split("\\s+");
                if (w.length >= 2) {
                    return new MemlockLimit(bytes(w[0]), bytes(w[1]), paths.display(limits));
                }
            }
        }
        return null;
    }

    private static Long bytes(String s) {
        return s.equals("unlimited") ? null : Long.parseLong(s);
    }
}
