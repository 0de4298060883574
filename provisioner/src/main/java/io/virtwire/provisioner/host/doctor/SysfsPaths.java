package io.virtwire.provisioner.host.doctor;

/** Host-absolute sysfs paths named in evidence, so users can re-read them themselves. */
final class SysfsPaths {

    private SysfsPaths() {
    }

    static String device(String address, String file) {
        return "/sys/bus/pci/devices/" + address + "/" + file;
    }

    static String group(String id) {
        return "/sys/kernel/iommu_groups/" + id + "/devices";
    }

    /** The kernel driver that creates VFs for a PF, by PCI IDs, for fixes that bind it. */
    static String kernelDriverFor(String vendor, String device) {
        String id = vendor + ":" + device;
        return switch (id) {
            case "0x8086:0x1521", "0x8086:0x1523", "0x8086:0x1522" -> "igb";
            case "0x8086:0x10fb", "0x8086:0x1528", "0x8086:0x154d", "0x8086:0x10f8" -> "ixgbe";
            case "0x8086:0x1572", "0x8086:0x1583", "0x8086:0x158b" -> "i40e";
            case "0x8086:0x1592", "0x8086:0x159b" -> "ice";
            case "0x15b3:0x101d", "0x15b3:0x1017", "0x15b3:0x1019", "0x15b3:0x101b" -> "mlx5_core";
            default -> null;
        };
    }

    static boolean userspaceDriver(String driver) {
        return "vfio-pci".equals(driver) || "uio_pci_generic".equals(driver) || "igb_uio".equals(driver);
    }

    static final String GRUB = "update-grub (Debian/Ubuntu) or grub2-mkconfig -o /boot/grub2/grub.cfg (RHEL/Fedora), then reboot";
}
