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
        return io.virtwire.provisioner.host.PfDrivers.kernelDriverFor(vendor, device).orElse(null);
    }

    static boolean userspaceDriver(String driver) {
        return "vfio-pci".equals(driver) || uioDriver(driver);
    }

    /** A UIO driver: no IOMMU isolation and no MSI-X, what DPDK refuses with the IOMMU on and vmxnet3 crashes on. */
    static boolean uioDriver(String driver) {
        return "uio_pci_generic".equals(driver) || "igb_uio".equals(driver);
    }

    static final String GRUB = "update-grub (Debian/Ubuntu) or grub2-mkconfig -o /boot/grub2/grub.cfg (RHEL/Fedora), then reboot "
            + "(or put the parameter in kernel.cmdline.add of the host profile: virtwire host apply does it)";
}
