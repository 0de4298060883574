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
 * @param drivers         whether each PCI/vdpa driver of interest is loaded (vfio-pci, uio_pci_generic, igb_uio, vhost_vdpa)
 * @param pfs             network PCI functions that are not VFs, with their VFs
 * @param unreadable      facts that could not be read and why (e.g. a missing iproute2 tool)
 */
public record HostInventory(String kernelRelease, List<String> kernelCmdline, IommuInfo iommu, Map<String, Boolean> drivers,
                            List<PhysicalFunction> pfs, List<VdpaMgmtDevice> vdpaMgmtDevices, List<VdpaDevice> vdpaDevices,
                            List<HugepagePool> hugepages, MemlockLimit memlock, List<String> unreadable) {

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
