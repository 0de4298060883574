package io.virtwire.provisioner.host;

import io.virtwire.provisioner.model.PciAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What virtwire sees on a host: the JSON of "virtwire host show". Null fields mean "could not be read"
 * (the reason is in {@code unreadable}); empty lists mean "read, and there is none".
 *
 * @param kernelRelease   /proc/sys/kernel/osrelease
 * @param kernelCmdline   /proc/cmdline split into words
 * @param kernel          boot loader, next boot's command line, modules and virtwire's configuration files
 * @param drivers         whether each PCI/vdpa driver of interest is loaded (vfio-pci, uio_pci_generic, igb_uio, vhost_vdpa)
 * @param pfs             network PCI functions that are not VFs, with their VFs
 * @param reservations    devices the host profile reserved ("reserve: dpdk"), PCI address to owner; a PF's covers its VFs
 * @param unreadable      facts that could not be read and why (e.g. a missing iproute2 tool)
 */
public record HostInventory(String kernelRelease, List<String> kernelCmdline, KernelState kernel, IommuInfo iommu, Map<String, Boolean> drivers,
                            List<PhysicalFunction> pfs, List<VdpaMgmtDevice> vdpaMgmtDevices, List<VdpaDevice> vdpaDevices,
                            List<HugepagePool> hugepages, MemlockLimit memlock, Map<String, String> reservations, List<String> unreadable) {

    /**
     * Who the device is reserved for (a VF is covered by its PF's reservation), empty when VMs may have it.
     * The VM allocator asks this wherever it picks or accepts a VF.
     */
    public Optional<String> reservedFor(String address) {
        String own = reservations.get(address);
        if (own != null) {
            return Optional.of(own);
        }
        for (PhysicalFunction pf : pfs) {
            if (pf.vfs().stream().anyMatch(v -> v.address().equals(address))) {
                return Optional.ofNullable(reservations.get(pf.address()));
            }
        }
        return Optional.empty();
    }

    public Optional<PhysicalFunction> pf(String addressOrNetdev) {
        return pfs.stream().filter(p -> p.address().equals(addressOrNetdev) || addressOrNetdev.equals(p.netdev())
                || (PciAddress.looksLike(addressOrNetdev) && p.address().equals(PciAddress.parse(addressOrNetdev).toString()))).findFirst();
    }

    public boolean driverLoaded(String driver) {
        return Boolean.TRUE.equals(drivers.get(driver));
    }

    /** Kernel major.minor as a comparable number (6.8 -> 608); 0 when unknown. */
    public int kernelVersion() {
        if (kernelRelease == null) {
            return 0;
        }
        String[] parts = kernelRelease.split("[.-]");
        try {
            return Integer.parseInt(parts[0]) * 100 + (parts.length > 1 ? Integer.parseInt(parts[1]) : 0);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
