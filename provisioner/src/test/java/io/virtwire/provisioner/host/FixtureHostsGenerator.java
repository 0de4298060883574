package io.virtwire.provisioner.host;

import io.virtwire.provisioner.model.PciAddress;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Authors the bundled fixture hosts (src/main/resources/hosts/NAME/tree.txt + commands/*.json) from the seeds'
 * real lspci/sysfs/iproute2 facts. Run main() with the resources directory to regenerate;
 * FixtureHostsUpToDateTest fails when the committed files differ from what this produces.
 */
public final class FixtureHostsGenerator {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String INTEL = "0x8086";
    static final String MELLANOX = "0x15b3";
    static final int ACS_ALL = 0x5f;        // SV TB RR CR UF DT
    static final int ACS_ISOLATE = 0x1d;    // SV RR CR UF enabled, as the kernel sets them

    record Host(String name, String description, HostTree tree) {
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "provisioner/src/main/resources/hosts");
        for (Host h : all()) {
            Path dir = out.resolve(h.name());
            Files.createDirectories(dir.resolve("commands"));
            Files.writeString(dir.resolve("tree.txt"), h.tree().manifest(h.description()), StandardCharsets.UTF_8);
            for (Map.Entry<String, String> r : h.tree().resources.entrySet()) {
                Files.writeString(dir.resolve(r.getKey()), r.getValue(), StandardCharsets.UTF_8);
            }
        }
    }

    static List<Host> all() {
        return List.of(i350Igb8Vfs(), ixgbeAer(), cx6(true), cx6(false), k68Uio(), i350NoBus(), iommuOff(), vmxnet3Guest());
    }

    // ---- the hosts ---------------------------------------------------------------------------------------------

    static Host i350Igb8Vfs() {
        HostTree t = new HostTree("i350-igb-8vfs");
        base(t, "6.1.0-18-amd64", "BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 root=UUID=6f0c1b1e-3b0a-4d4e-9a55-2f1f4b2d8c11 ro quiet intel_iommu=on iommu=pt",
                true, null, Map.of("2048kB", new long[] {1024, 1024}));
        t.driver("vfio-pci").dir("dev/vfio").file("dev/vfio/vfio", "");
        String root = rootPort(t, "0000:00:01.0", "0x6f02", 0, 1, 2, ACS_ALL, ACS_ISOLATE, "2");
        Links links = new Links();
        for (int fn = 0; fn < 2; fn++) {
            String pf = root + "/0000:01:00." + fn;
            String ifname = "enp1s0f" + fn;
            i350Pf(t, pf, 0, 4, "igb", String.valueOf(14 + fn), true);
            t.netdev(pf, ifname, "80:61:5f:05:e2:e" + (fn == 0 ? "c" : "d"), "up", null);
            List<ObjectNode> vfs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                int rid = 0x100 + fn + 0x180 + 4 * i;
                String bdf = PciAddress.fromRoutingId(0, rid).toString();
                boolean guest = fn == 0 && i < 2;
                String group = String.valueOf(16 + fn * 4 + i);
                t.vf(pf, i, root + "/" + bdf, INTEL, "0x1520", 0, guest ? "vfio-pci" : "igbvf", group);
                if (guest) {
                    t.file("dev/vfio/" + group, "");
                } else {
                    int dev = (rid >> 3) & 0x1f;
                    int f = rid & 7;
                    t.netdev(root + "/" + bdf, "enp2s" + dev + (f == 0 ? "" : "f" + f), String.format("6a:3e:%02x:91:0c:%02x", fn, i), "up", null);
                }
                vfs.add(vf(i, "00:00:00:00:00:00", 0, 0, true, false, "auto"));
            }
            links.add(ifname, "80:61:5f:05:e2:e" + (fn == 0 ? "c" : "d"), "UP", "0000:01:00." + fn, 8, vfs);
        }
        t.resource("commands/ip_-j_-d_link_show.json", links.json());
        t.resource("commands/devlink_-j_dev_eswitch_show.json", "{\"dev\":{}}\n");
        return new Host(t.name, "seed 002/003 after the fixes: I350 (igb), 2 PFs x 4 VFs, VFs 0-1 of port 0 on vfio-pci for guests, admin MACs unset", t);
    }

    static Host ixgbeAer() {
        HostTree t = new HostTree("82599-ixgbe-aer");
        base(t, "5.15.0-91-generic", "BOOT_IMAGE=/vmlinuz-5.15.0-91-generic root=/dev/mapper/vg0-root ro intel_iommu=on", true, 8388608L,
                Map.of("2048kB", new long[] {0, 0}));
        t.driver("vfio-pci").dir("dev/vfio").file("dev/vfio/vfio", "");
        String root = rootPort(t, "0000:00:03.0", "0x6f08", 0, 4, 4, ACS_ALL, ACS_ISOLATE, "30");
        Links links = new Links();
        for (int fn = 0; fn < 2; fn++) {
            String pf = root + "/0000:04:00." + fn;
            String ifname = "ens1f" + fn;
            int num = fn == 0 ? 1 : 0;
            byte[] cfg = new ConfigSpaceBuilder(0x8086, 0x10fb, 0x020000, 1, false, true)
                    .aer(0x100).dsn(0x140).sriov(0x150, 64, 64, num, 128, 2, 0x10ed).build();
            t.pci(pf, INTEL, "0x10fb", "0x020000", 0, "ixgbe", String.valueOf(31 + fn), cfg);
            t.sriovFiles(pf, 63, num, 128, 2, "0x10ed").resourceFile(pf, true, 0xfb280000L + fn * 0x100000L, 0xfb400000L + fn * 0x200000L);
            t.aer(pf, fn == 0 ? 5 : 0, fn == 0 ? 2 : 0, 0);
            t.netdev(pf, ifname, "90:e2:ba:4c:1f:" + (fn == 0 ? "a0" : "a1"), fn == 0 ? "up" : "down", null);
            List<ObjectNode> vfs = new ArrayList<>();
            if (fn == 0) {
                t.vf(pf, 0, root + "/0000:04:10.0", INTEL, "0x10ed", 0, "vfio-pci", "33");
                t.file("dev/vfio/33", "");
                ObjectNode v = vf(0, "52:54:00:6b:3c:58", 100, 0, true, false, "auto");
                vfs.add(v);
            }
            links.add(ifname, "90:e2:ba:4c:1f:" + (fn == 0 ? "a0" : "a1"), fn == 0 ? "UP" : "DOWN", "0000:04:00." + fn, 64, vfs);
        }
        t.resource("commands/ip_-j_-d_link_show.json", links.json());
        t.resource("commands/devlink_-j_dev_eswitch_show.json", "{\"dev\":{}}\n");
        return new Host(t.name, "seed 004: 82599 (ixgbe) with VF 0 assigned to a guest, PF AER counters non-zero, no iommu=pt, no hugepages, memlock 8 MiB", t);
    }

    static Host cx6(boolean switchdev) {
        HostTree t = new HostTree(switchdev ? "cx6dx-switchdev" : "cx6dx-legacy");
        base(t, "5.11.12-1.el8.elrepo.x86_64", "BOOT_IMAGE=(hd0,gpt2)/vmlinuz-5.11.12-1.el8.elrepo.x86_64 root=/dev/mapper/cl-root ro crashkernel=auto rhgb quiet "
                + "default_hugepagesz=1G hugepagesz=1G hugepages=16 intel_iommu=on iommu=pt pci=realloc", true, null, Map.of("1048576kB", new long[] {16, 16}));
        t.driver("vfio-pci").dir("dev/vfio").file("dev/vfio/vfio", "");
        String root = rootPort(t, "0000:00:03.0", "0x6f08", 0, 7, 7, ACS_ALL, ACS_ISOLATE, "40");
        Links links = new Links();
        t.dir("sys/bus/vdpa/devices").dir("sys/bus/vdpa/drivers");
        ObjectNode devlink = JSON.createObjectNode();
        ObjectNode devlinkDevs = devlink.putObject("dev");
        ObjectNode mgmt = JSON.createObjectNode();
        ObjectNode mgmtDevs = mgmt.putObject("mgmtdev");
        ObjectNode vdpa = JSON.createObjectNode();
        ObjectNode vdpaDevs = vdpa.putObject("dev");
        if (switchdev) {
            t.dir("sys/bus/vdpa/drivers/vhost_vdpa");
            t.file("sys/bus/vdpa/drivers/vhost_vdpa/bind", "").file("sys/bus/vdpa/drivers/vhost_vdpa/unbind", "");
        }
        for (int fn = 0; fn < 2; fn++) {
            String pfBdf = "0000:07:00." + fn;
            String pf = root + "/" + pfBdf;
            String ifname = "ens2f" + fn;
            int offset = fn == 0 ? 2 : 9;
            byte[] cfg = new ConfigSpaceBuilder(0x15b3, 0x101d, 0x020000, 0, false, true)
                    .aer(0x100).sriov(0x180, 8, 8, 1, offset, 1, 0x101e).dsn(0x1c0).build();
            t.pci(pf, MELLANOX, "0x101d", "0x020000", 0, "mlx5_core", String.valueOf(41 + fn), cfg);
            t.sriovFiles(pf, 8, 1, offset, 1, "0x101e").resourceFile(pf, true, 0xe2000000L + fn * 0x2000000L, 0xe4800000L + fn * 0x800000L);
            t.aer(pf, 0, 0, 0);
            String mac = "0c:42:a1:d1:d0:" + (fn == 0 ? "a0" : "a1");
            t.netdev(pf, ifname, mac, "up", switchdev ? "p" + fn : null);
            String vfBdf = PciAddress.fromRoutingId(0, 0x700 + fn + offset).toString();
            String vfDir = root + "/" + vfBdf;
            String vfMac = "00:11:22:33:44:" + (fn == 0 ? "00" : "10");
            t.vf(pf, 0, vfDir, MELLANOX, "0x101e", 0, "mlx5_core", String.valueOf(43 + fn));
            t.netdev(vfDir, ifname + "v0", vfMac, "up", null);
            if (switchdev) {
                t.netdev(pf, ifname + "_0", String.format("3a:95:c4:1e:%02x:7b", fn), "up", "pf" + fn + "vf0");
                t.netdev(vfDir, ifname + "v0", vfMac, "up", null);
                String vdpaDir = vfDir + "/vdpa" + fn;
                t.link(vdpaDir + "/driver", "sys/bus/vdpa/drivers/vhost_vdpa");
                t.link(vdpaDir + "/subsystem", "sys/bus/vdpa");
                t.line(vdpaDir + "/vhost-vdpa-" + fn + "/dev", "240:" + fn);
                t.link("sys/bus/vdpa/devices/vdpa" + fn, vdpaDir);
                t.link("sys/bus/vdpa/drivers/vhost_vdpa/vdpa" + fn, vdpaDir);
                t.file("dev/vhost-vdpa-" + fn, "");
                ObjectNode d = vdpaDevs.putObject("vdpa" + fn);
                d.put("type", "network").put("mgmtdev", "pci/" + vfBdf).put("vendor_id", 5555).put("max_vqs", 16).put("max_vq_size", 256);
            }
            ObjectNode dl = devlinkDevs.putObject("pci/" + pfBdf);
            dl.put("mode", switchdev ? "switchdev" : "legacy").put("inline-mode", "none").put("encap-mode", switchdev ? "basic" : "none");
            ObjectNode m = mgmtDevs.putObject("pci/" + vfBdf);
            m.putArray("supported_classes").add("net");
            m.put("max_supported_vqs", 257);
            m.putArray("dev_features").add("CSUM").add("GUEST_CSUM").add("MTU").add("HOST_TSO4").add("HOST_TSO6").add("STATUS").add("CTRL_VQ")
                    .add("CTRL_VLAN").add("MQ").add("CTRL_MAC_ADDR").add("VERSION_1").add("ACCESS_PLATFORM");
            links.add(ifname, mac, "UP", pfBdf, 8, List.of(vf(0, vfMac, 0, 0, false, false, "auto")));
            if (switchdev) {
                links.addPlain(ifname + "_0", String.format("3a:95:c4:1e:%02x:7b", fn), "UP", pfBdf);
            }
            links.addPlain(ifname + "v0", vfMac, "UP", vfBdf);
        }
        t.resource("commands/ip_-j_-d_link_show.json", links.json());
        t.resource("commands/devlink_-j_dev_eswitch_show.json", devlink + "\n");
        t.resource("commands/vdpa_-j_mgmtdev_show.json", mgmt + "\n");
        t.resource("commands/vdpa_-j_dev_show.json", vdpa + "\n");
        return new Host(t.name, switchdev
                ? "seed 001 finished: ConnectX-6 Dx (mlx5_core), both PFs in switchdev with representors, vdpa0/vdpa1 bound to vhost_vdpa"
                : "seed 001 before step 6: ConnectX-6 Dx with one VF per PF, eswitch legacy, vhost_vdpa not loaded", t);
    }

    static Host k68Uio() {
        HostTree t = new HostTree("k68-uio-iommu");
        base(t, "6.8.0-40-generic", "BOOT_IMAGE=/vmlinuz-6.8.0-40-generic root=/dev/mapper/ubuntu--vg-ubuntu--lv ro", true, null,
                Map.of("2048kB", new long[] {1024, 1024}));
        t.driver("uio_pci_generic").driver("igb");
        // seed 000's HP Microserver Gen8: VT-d without interrupt remapping (ecap bit 3 clear), so vfio-pci alone is not enough
        t.line("sys/class/iommu/dmar0/intel-iommu/ecap", "f020d6");
        String root = rootPort(t, "0000:00:1c.4", "0x1c18", 0, 5, 6, ACS_ALL, ACS_ISOLATE, "11");
        for (int fn = 0; fn < 2; fn++) {
            String pf = root + "/0000:05:00." + fn;
            i350Pf(t, pf, 0, 0, "uio_pci_generic", String.valueOf(15 + fn), true);
        }
        t.dir("sys/class/uio/uio0");
        Links links = new Links();
        t.resource("commands/ip_-j_-d_link_show.json", links.json());
        t.resource("commands/devlink_-j_dev_eswitch_show.json", "{\"dev\":{}}\n");
        return new Host(t.name, "seed 000: Ubuntu kernel 6.8.0-40 with VT-d on (no interrupt remapping), I350 ports 05:00.0/05:00.1 on uio_pci_generic for VPP, vfio-pci not loaded", t);
    }

    static Host i350NoBus() {
        HostTree t = new HostTree("i350-no-bus");
        base(t, "6.6.10-arch1-1", "BOOT_IMAGE=/vmlinuz-linux root=UUID=0a3e5c9d-51b7-4c61-9e0f-6b3fa2c7d402 rw loglevel=3 quiet intel_iommu=on iommu=pt",
                true, null, Map.of("2048kB", new long[] {0, 0}));
        t.driver("vfio-pci").dir("dev/vfio").file("dev/vfio/vfio", "");
        // 200 Series PCH root port #9: one bus number behind it and ACS that does nothing (seed 002's lspci -vv)
        String root = rootPort(t, "0000:00:1d.0", "0xa298", 0, 1, 1, 0, 0, "12");
        Links links = new Links();
        for (int fn = 0; fn < 2; fn++) {
            String pf = root + "/0000:01:00." + fn;
            i350Pf(t, pf, 0, 0, fn == 0 ? "igb" : "vfio-pci", "12", true);
            if (fn == 0) {
                t.netdev(pf, "enp1s0f0", "80:61:5f:05:e2:ec", "up", null);
                links.add("enp1s0f0", "80:61:5f:05:e2:ec", "UP", "0000:01:00.0", 8, List.of());
            }
        }
        t.file("dev/vfio/12", "");
        t.resource("commands/ip_-j_-d_link_show.json", links.json());
        t.resource("commands/devlink_-j_dev_eswitch_show.json", "{\"dev\":{}}\n");
        return new Host(t.name, "seed 002/003 before the fix: I350 behind a PCH root port with bus range [bus 01] and no working ACS; port 1 on vfio-pci shares group 12 with port 0 on igb", t);
    }

    static Host iommuOff() {
        HostTree t = new HostTree("iommu-off");
        base(t, "5.4.0-150-generic", "BOOT_IMAGE=/vmlinuz-5.4.0-150-generic root=/dev/sda2 ro intel_iommu=off", false, null,
                Map.of("2048kB", new long[] {256, 256}));
        t.driver("vfio-pci");
        String root = rootPort(t, "0000:00:02.0", "0x6f04", 0, 3, 3, ACS_ALL, ACS_ISOLATE, null);
        Links links = new Links();
        for (int fn = 0; fn < 2; fn++) {
            String pf = root + "/0000:03:00." + fn;
            byte[] cfg = new ConfigSpaceBuilder(0x8086, 0x10fb, 0x020000, 1, false, true)
                    .aer(0x100).dsn(0x140).sriov(0x150, 64, 64, 0, 128, 2, 0x10ed).build();
            t.pci(pf, INTEL, "0x10fb", "0x020000", 0, fn == 0 ? "ixgbe" : null, null, cfg);
            t.sriovFiles(pf, fn == 0 ? 63 : 64, 0, 128, 2, "0x10ed").resourceFile(pf, false, 0xfb280000L + fn * 0x100000L, 0);
            t.aer(pf, 0, 0, 0);
            if (fn == 0) {
                t.netdev(pf, "enp3s0f0", "90:e2:ba:11:22:30", "up", null);
                links.add("enp3s0f0", "90:e2:ba:11:22:30", "UP", "0000:03:00.0", 64, List.of());
            }
        }
        t.resource("commands/ip_-j_-d_link_show.json", links.json());
        t.resource("commands/devlink_-j_dev_eswitch_show.json", "{\"dev\":{}}\n");
        return new Host(t.name, "IOMMU off (intel_iommu=off), 82599 port 0 whose VF BARs got no MMIO from the firmware, port 1 without a driver", t);
    }

    static Host vmxnet3Guest() {
        HostTree t = new HostTree("vmxnet3-vpp-guest");
        base(t, "6.8.0-40-generic", "BOOT_IMAGE=/vmlinuz-6.8.0-40-generic root=/dev/mapper/ubuntu--vg-ubuntu--lv ro console=ttyS0,115200n8 intel_iommu=off",
                false, null, Map.of("2048kB", new long[] {1024, 1024}));
        t.driver("uio_pci_generic");
        // VMware's PCI Express root port with the vmxnet3 behind it (seed 000's lspci: Physical Slot 160, MSI-X Count=25)
        String dir = "sys/devices/pci0000:00/0000:00:16.0";
        byte[] bridge = new ConfigSpaceBuilder(0x15ad, 0x07a0, 0x060400, 1, true, false).busRange(0, 0x0b, 0x0b).build();
        t.pci(dir, "0x15ad", "0x07a0", "0x060400", -1, "pcieport", null, bridge);
        String nic = dir + "/0000:0b:00.0";
        t.pci(nic, "0x15ad", "0x07b0", "0x020000", -1, "uio_pci_generic", null, new ConfigSpaceBuilder(0x15ad, 0x07b0, 0x020000, 1, false, false).build());
        t.dir("sys/class/uio/uio0");
        t.resource("commands/ip_-j_-d_link_show.json", new Links().json());
        t.resource("commands/devlink_-j_dev_eswitch_show.json", "{\"dev\":{}}\n");
        return new Host(t.name, "seed 000's VMware guest: Ubuntu 22.04 HWE kernel 6.8.0-40, intel_iommu=off, vmxnet3 0000:0b:00.0 on uio_pci_generic for VPP", t);
    }

    /**
     * What the kernel section reads: /etc/os-release, the boot loader's config (GRUB on Debian/Ubuntu, BLS entries on
     * the RHEL family) holding the parameters /proc/cmdline has, and the kernel's module list.
     */
    static void distro(HostTree t, String kernel, String cmdline) {
        String osRelease;
        boolean debian = false;
        boolean rhel = false;
        if (kernel.endsWith("-amd64")) {
            osRelease = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n";
            debian = true;
        } else if (kernel.endsWith("-generic")) {
            String v = kernel.startsWith("5.4.") ? "20.04.6 LTS" : "22.04.4 LTS";
            osRelease = "PRETTY_NAME=\"Ubuntu " + v + "\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"" + v.substring(0, 5) + "\"\nID=ubuntu\nID_LIKE=debian\n";
            debian = true;
        } else if (kernel.contains(".el8")) {
            osRelease = "NAME=\"Rocky Linux\"\nVERSION=\"8.4 (Green Obsidian)\"\nID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"8.4\"\nPRETTY_NAME=\"Rocky Linux 8.4 (Green Obsidian)\"\n";
            rhel = true;
        } else {
            osRelease = "NAME=\"Arch Linux\"\nPRETTY_NAME=\"Arch Linux\"\nID=arch\nBUILD_ID=rolling\n";
        }
        t.file("etc/os-release", osRelease);
        t.dir("etc/modules-load.d").dir("etc/modprobe.d").dir("var/log/virtwire");
        String[] words = cmdline.split(" ");
        int ro = 1;
        while (ro < words.length && !words[ro].equals("ro") && !words[ro].equals("rw")) {
            ro++;
        }
        String image = words[0].substring("BOOT_IMAGE=".length());
        String head = String.join(" ", List.of(words).subList(1, Math.min(ro + 1, words.length)));
        String extra = ro + 1 < words.length ? String.join(" ", List.of(words).subList(ro + 1, words.length)) : "";
        if (debian) {
            t.file("etc/default/grub", "# If you change this file, run 'update-grub' afterwards to update\n# /boot/grub/grub.cfg.\n\nGRUB_DEFAULT=0\n"
                    + "GRUB_TIMEOUT_STYLE=hidden\nGRUB_TIMEOUT=0\nGRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`\n"
                    + "GRUB_CMDLINE_LINUX_DEFAULT=\"" + extra + "\"\nGRUB_CMDLINE_LINUX=\"\"\n");
            t.dir("etc/default/grub.d");
            t.file("boot/grub/grub.cfg", "# generated by grub-mkconfig\nmenuentry 'Linux' {\n\tlinux\t" + image + " " + head + (extra.isEmpty() ? "" : " " + extra) + "\n}\n");
        } else if (rhel) {
            String rel = kernel;
            t.file("boot/loader/entries/3f1e7c2a9b8d4e6f8a1b2c3d4e5f6a7b-" + rel + ".conf", "title Rocky Linux (" + rel + ") 8.4 (Green Obsidian)\nversion " + rel
                    + "\nlinux /vmlinuz-" + rel + "\ninitrd /initramfs-" + rel + ".img $tuned_initrd\noptions " + head + (extra.isEmpty() ? "" : " " + extra)
                    + "\nid rocky-20210625-" + rel + "\ngrub_users $grub_users\ngrub_arg --unrestricted\ngrub_class kernel\n");
        }
        boolean vdpa = kernelAtLeast(kernel, 5, 7);
        StringBuilder dep = new StringBuilder();
        for (String m : List.of("drivers/vfio/vfio.ko", "drivers/vfio/vfio_iommu_type1.ko", "drivers/vfio/pci/vfio-pci.ko", "drivers/uio/uio.ko",
                "drivers/uio/uio_pci_generic.ko", "drivers/net/ethernet/intel/igb/igb.ko", "drivers/net/ethernet/intel/igbvf/igbvf.ko",
                "drivers/net/ethernet/intel/igc/igc.ko", "drivers/net/ethernet/intel/e1000/e1000.ko", "drivers/net/ethernet/intel/ixgbe/ixgbe.ko",
                "drivers/net/ethernet/intel/ixgbevf/ixgbevf.ko", "drivers/net/ethernet/intel/i40e/i40e.ko", "drivers/net/ethernet/intel/iavf/iavf.ko",
                "drivers/net/ethernet/intel/ice/ice.ko", "drivers/net/ethernet/mellanox/mlx5/core/mlx5_core.ko", "drivers/net/vmxnet3/vmxnet3.ko",
                "drivers/vhost/vhost.ko", "drivers/vhost/vhost_iotlb.ko", "drivers/vdpa/vdpa.ko", "drivers/vhost/vhost_vdpa.ko",
                "drivers/vdpa/mlx5/mlx5_vdpa.ko", "drivers/virtio/virtio_vdpa.ko")) {
            if (!vdpa && (m.contains("vdpa") || m.contains("vhost_iotlb"))) {
                continue;
            }
            dep.append("kernel/").append(m).append(":\n");
        }
        t.file("lib/modules/" + kernel + "/modules.dep", dep.toString());
    }

    private static boolean kernelAtLeast(String kernel, int major, int minor) {
        String[] v = kernel.split("[.-]");
        int ma = Integer.parseInt(v[0]);
        int mi = Integer.parseInt(v[1]);
        return ma > major || (ma == major && mi >= minor);
    }

    // ---- building blocks ---------------------------------------------------------------------------------------

    static void base(HostTree t, String kernel, String cmdline, boolean iommu, Long memlock, Map<String, long[]> hugepages) {
        t.line("proc/sys/kernel/osrelease", kernel);
        t.line("proc/cmdline", cmdline);
        distro(t, kernel, cmdline);
        String lock = memlock == null ? "unlimited" : String.valueOf(memlock);
        t.file("proc/self/limits", String.format("""
                Limit                     Soft Limit           Hard Limit           Units    \s
                Max cpu time              unlimited            unlimited            seconds  \s
                Max file size             unlimited            unlimited            bytes    \s
                Max open files            1024                 1048576              files    \s
                Max locked memory         %-20s %-20s bytes    \s
                Max address space         unlimited            unlimited            bytes    \s
                """, lock, lock));
        StringBuilder mounts = new StringBuilder("sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0\nproc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n");
        long hpTotal = 0;
        long hpFree = 0;
        long hpSize = 2048;
        for (String size : List.of("2048kB", "1048576kB")) {
            long[] pool = hugepages.getOrDefault(size, new long[] {0, 0});
            for (String dir : List.of("sys/kernel/mm/hugepages/hugepages-" + size, "sys/devices/system/node/node0/hugepages/hugepages-" + size)) {
                t.line(dir + "/nr_hugepages", pool[0]).line(dir + "/free_hugepages", pool[1]).line(dir + "/surplus_hugepages", 0);
            }
            t.line("sys/kernel/mm/hugepages/hugepages-" + size + "/resv_hugepages", 0);
            if (pool[0] > 0) {
                hpTotal = pool[0];
                hpFree = pool[1];
                hpSize = Long.parseLong(size.replace("kB", ""));
                mounts.append("hugetlbfs /dev/hugepages hugetlbfs rw,relatime,pagesize=").append(size.equals("2048kB") ? "2M" : "1024M").append(" 0 0\n");
            }
        }
        t.file("proc/mounts", mounts.toString());
        t.line("sys/devices/system/node/node0/cpulist", "0-15");
        t.file("proc/meminfo", String.format("""
                MemTotal:       65837836 kB
                MemFree:        51234540 kB
                MemAvailable:   58817236 kB
                HugePages_Total:    %d
                HugePages_Free:     %d
                HugePages_Rsvd:        0
                HugePages_Surp:        0
                Hugepagesize:       %d kB
                """, hpTotal, hpFree, hpSize));
        t.dir("sys/kernel/iommu_groups").dir("sys/class/iommu").dir("sys/class/net").dir("sys/bus/pci/devices");
        t.file("sys/bus/pci/drivers_probe", "").file("sys/bus/pci/rescan", "");
        t.driver("pcieport");
        if (iommu) {
            t.dir("sys/class/iommu/dmar0/devices");
            t.line("sys/class/iommu/dmar0/intel-iommu/version", "1:0");
            t.line("sys/class/iommu/dmar0/intel-iommu/ecap", "f020de");
        }
        t.dir("dev");
    }

    static String rootPort(HostTree t, String bdf, String device, int primary, int secondary, int subordinate, int acsCap, int acsCtl, String group) {
        String dir = "sys/devices/pci0000:00/" + bdf;
        byte[] cfg = new ConfigSpaceBuilder(0x8086, Integer.decode(device), 0x060400, 0, true, false)
                .busRange(primary, secondary, subordinate).aer(0x100).acs(0x110, acsCap, acsCtl).build();
        t.pci(dir, INTEL, device, "0x060400", 0, "pcieport", group, cfg);
        return dir;
    }

    static void i350Pf(HostTree t, String pf, int numa, int numVfs, String driver, String group, boolean vfBars) {
        // Seed 002's lspci: SR-IOV at [160] (VF offset 384, stride 4, Device ID 1520), ACS at [1d0] with every bit off
        byte[] cfg = new ConfigSpaceBuilder(0x8086, 0x1521, 0x020000, 1, false, true)
                .aer(0x100).dsn(0x140).sriov(0x160, 8, 8, numVfs, 384, 4, 0x1520).acs(0x1d0, 0, 0).build();
        t.pci(pf, INTEL, "0x1521", "0x020000", numa, driver, group, cfg);
        t.sriovFiles(pf, 7, numVfs, 384, 4, "0x1520");
        int fn = pf.charAt(pf.length() - 1) - '0';
        t.resourceFile(pf, vfBars, 0xc8000000L + fn * 0x100000L, 0xc8040000L + fn * 0x80000L);
        t.aer(pf, 0, 0, 0);
    }

    static ObjectNode vf(int index, String mac, int vlan, int qos, boolean spoofchk, boolean trust, String linkState) {
        ObjectNode v = JSON.createObjectNode();
        v.put("vf", index).put("link_type", "ether").put("address", mac).put("broadcast", "ff:ff:ff:ff:ff:ff");
        ArrayNode vl = v.putArray("vlan_list");
        if (vlan != 0) {
            ObjectNode e = vl.addObject().put("vlan", vlan);
            if (qos != 0) {
                e.put("qos", qos);
            }
        }
        if (vl.isEmpty()) {
            v.remove("vlan_list");
        }
        v.putObject("rate").put("max_tx", 0).put("min_tx", 0);
        v.put("spoofchk", spoofchk).put("link_state", linkState).put("trust", trust).put("query_rss_en", false);
        return v;
    }

    /** ip -j -d link show as iproute2 prints it: lo first, then the NICs in ifindex order. */
    static final class Links {
        private final ArrayNode links = JSON.createArrayNode();
        private int ifindex = 1;

        Links() {
            ObjectNode lo = next("lo", "00:00:00:00:00:00", "UNKNOWN");
            lo.put("link_type", "loopback");
            lo.putArray("flags").add("LOOPBACK").add("UP").add("LOWER_UP");
            lo.put("mtu", 65536);
        }

        private ObjectNode next(String ifname, String mac, String operstate) {
            ObjectNode l = links.addObject();
            l.put("ifindex", ifindex++).put("ifname", ifname);
            l.putArray("flags").add("BROADCAST").add("MULTICAST").add("UP").add("LOWER_UP");
            l.put("mtu", 1500).put("qdisc", "mq").put("operstate", operstate).put("linkmode", "DEFAULT").put("group", "default")
                    .put("txqlen", 1000).put("link_type", "ether").put("address", mac).put("broadcast", "ff:ff:ff:ff:ff:ff")
                    .put("promiscuity", 0).put("allmulti", 0).put("min_mtu", 68).put("max_mtu", 9216)
                    .put("inet6_addr_gen_mode", "eui64").put("num_tx_queues", 8).put("num_rx_queues", 8)
                    .put("gso_max_size", 65536).put("gso_max_segs", 65535);
            return l;
        }

        void add(String ifname, String mac, String operstate, String pci, int numVf, List<ObjectNode> vfs) {
            ObjectNode l = next(ifname, mac, operstate);
            l.put("parentbus", "pci").put("parentdev", pci);
            if (numVf > 0) {
                l.put("num_vf", vfs.size());
                l.putArray("vfinfo_list").addAll(vfs);
            }
        }

        void addPlain(String ifname, String mac, String operstate, String pci) {
            next(ifname, mac, operstate).put("parentbus", "pci").put("parentdev", pci);
        }

        String json() {
            return links + "\n";
        }
    }

    static Map<String, Host> byName() {
        Map<String, Host> m = new LinkedHashMap<>();
        all().forEach(h -> m.put(h.name(), h));
        return m;
    }
}
