package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.host.HostInventory;
import io.virtwire.provisioner.host.HugepagePool;
import io.virtwire.provisioner.host.IommuGroup;
import io.virtwire.provisioner.host.PhysicalFunction;
import io.virtwire.provisioner.host.VdpaDevice;
import io.virtwire.provisioner.host.VirtualFunction;
import io.virtwire.provisioner.host.profile.HostAccess;
import jakarta.inject.Inject;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;

@Command(name = "show", mixinStandardHelpOptions = true,
        description = "Show PFs, VFs, IOMMU groups, drivers, vDPA devices, hugepages and AER counters.")
public final class HostShowCommand implements Runnable {

    private final GlobalOptions globals;
    private final Output output;
    private final HostAccess.Factory hosts;

    @Inject
    public HostShowCommand(GlobalOptions globals, Output output, HostAccess.Factory hosts) {
        this.globals = globals;
        this.output = output;
        this.hosts = hosts;
    }

    @Override
    public void run() {
        HostInventory inv = hosts.open(globals.hostRoot()).inventory();
        output.emit(inv, out -> render(inv, out));
    }

    static void render(HostInventory inv, PrintWriter out) {
        out.println("Kernel:   " + inv.kernelRelease());
        out.println("IOMMU:    " + (inv.iommu().enabled() ? "on" : "off") + (inv.iommu().passthrough() ? " (passthrough)" : "")
                + ", " + inv.iommu().groups().size() + " groups" + (inv.iommu().units().isEmpty() ? "" : ", units " + String.join(" ", inv.iommu().units()))
                + (inv.iommu().cmdlineFlags().isEmpty() ? "" : "; cmdline " + flags(inv.iommu().cmdlineFlags())));
        List<String> drivers = new ArrayList<>();
        inv.drivers().forEach((d, loaded) -> drivers.add(d + (loaded ? " yes" : " no")));
        out.println("Drivers:  " + String.join(", ", drivers));
        io.virtwire.provisioner.host.KernelState k = inv.kernel();
        out.println("Boot:     " + (k.os() == null ? "" : k.os() + ", ") + (k.bootLoader() == null ? "boot loader unknown to virtwire" : k.bootLoader())
                + (k.nextBootCmdline() == null ? "" : "; next boot: " + k.nextBootCmdline()));
        if (!inv.reservations().isEmpty()) {
            List<String> r = new ArrayList<>();
            inv.reservations().forEach((a, o) -> r.add(a + " " + o));
            out.println("Reserved: " + String.join(", ", r) + " (not for VMs)");
        }
        out.println();
        out.println("Physical functions");
        TextTable pfs = new TextTable("PCI", "ID", "Driver", "Netdev", "NUMA", "Link", "VFs", "Eswitch", "Group", "AER nonfatal/fatal");
        for (PhysicalFunction pf : inv.pfs()) {
            pfs.row(pf.address(), pf.vendorId() + ":" + pf.deviceId(), pf.driver(), pf.netdev(), pf.numaNode(), pf.link(),
                    pf.sriovTotalVfs() == null ? null : pf.sriovNumVfs() + "/" + pf.sriovTotalVfs(), pf.eswitchMode(), pf.iommuGroup(),
                    pf.aer() == null ? null : pf.aer().nonfatal() + "/" + pf.aer().fatal());
        }
        pfs.print(out);
        List<PhysicalFunction> withVfs = inv.pfs().stream().filter(p -> !p.vfs().isEmpty()).toList();
        if (!withVfs.isEmpty()) {
            out.println();
            out.println("Virtual functions");
            TextTable vfs = new TextTable("PF", "VF", "PCI", "Driver", "Netdev", "MAC", "VLAN", "Trust", "Spoofchk", "Group");
            for (PhysicalFunction pf : withVfs) {
                for (VirtualFunction v : pf.vfs()) {
                    vfs.row(pf.netdev() == null ? pf.address() : pf.netdev(), v.index(), v.address(), v.driver(), v.netdev(), v.mac(),
                            v.vlan() == null ? null : v.vlan() == 0 ? "-" : v.vlan() + (v.qos() != null && v.qos() != 0 ? " qos " + v.qos() : ""),
                            onOff(v.trust()), onOff(v.spoofchk()), v.iommuGroup());
                }
            }
            vfs.print(out);
        }
        List<PhysicalFunction> sriov = inv.pfs().stream().filter(p -> p.sriov() != null).toList();
        if (!sriov.isEmpty()) {
            out.println();
            out.println("SR-IOV and ACS (config space)");
            TextTable caps = new TextTable("PCI", "TotalVFs", "VF offset", "Stride", "VF ID", "VF BARs", "Bridge", "Bus range", "Bridge ACS");
            for (PhysicalFunction pf : sriov) {
                caps.row(pf.address(), pf.sriov().totalVfs(), pf.sriov().firstVfOffset(), pf.sriov().vfStride(), pf.sriov().vfDeviceId(),
                        pf.sriov().vfBarsAssigned() == null ? null : pf.sriov().vfBarsAssigned() ? "assigned" : "unassigned",
                        pf.upstreamBridge() == null ? null : pf.upstreamBridge().address(),
                        pf.upstreamBridge() == null || pf.upstreamBridge().busRange() == null ? null : pf.upstreamBridge().busRange().kernelForm(),
                        pf.upstreamBridge() == null ? null : pf.upstreamBridge().acs() == null ? "none" : pf.upstreamBridge().acs().enforcesIsolation() ? "enforced" : "not enforced");
            }
            caps.print(out);
        }
        if (!inv.vdpaDevices().isEmpty() || !inv.vdpaMgmtDevices().isEmpty()) {
            out.println();
            out.println("vDPA devices (management devices: " + String.join(", ", inv.vdpaMgmtDevices().stream().map(m -> m.name()).toList()) + ")");
            TextTable vdpa = new TextTable("Name", "Mgmtdev", "Driver", "Char device");
            for (VdpaDevice d : inv.vdpaDevices()) {
                vdpa.row(d.name(), d.mgmtdev(), d.driver(), d.chardev());
            }
            vdpa.print(out);
        }
        out.println();
        out.println("Hugepages");
        TextTable hp = new TextTable("Size", "Node", "Total", "Free");
        for (HugepagePool p : inv.hugepages()) {
            hp.row(p.size(), p.node() == null ? "all" : p.node(), p.total(), p.free());
        }
        hp.print(out);
        if (inv.iommu().enabled()) {
            out.println();
            out.println("IOMMU groups with network functions");
            for (IommuGroup g : inv.iommu().groups()) {
                if (g.devices().stream().anyMatch(m -> m.classCode() != null && m.classCode().startsWith("0x02"))) {
                    out.println("  " + g.id() + ": " + String.join(", ", g.devices().stream()
                            .map(m -> m.address() + (m.driver() == null ? "" : " (" + m.driver() + ")")).toList()));
                }
            }
        }
        if (inv.memlock() != null) {
            out.println();
            out.println("Memlock:  " + (inv.memlock().unlimited() ? "unlimited" : inv.memlock().softBytes() + " bytes"));
        }
        for (String u : inv.unreadable()) {
            out.println("note: " + u);
        }
    }

    private static String flags(Map<String, String> flags) {
        List<String> out = new ArrayList<>();
        flags.forEach((k, v) -> out.add(v.isEmpty() ? k : k + "=" + v));
        return String.join(" ", out);
    }

    private static String onOff(Boolean b) {
        return b == null ? null : b ? "on" : "off";
    }
}
