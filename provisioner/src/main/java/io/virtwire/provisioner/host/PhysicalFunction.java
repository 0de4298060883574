package io.virtwire.provisioner.host;

import io.virtwire.provisioner.model.PciAddress;
import java.util.List;

/**
 * A network PCI function that is not a VF.
 *
 * @param address        PCI address ("0000:01:00.0")
 * @param vendorId       "0x8086"
 * @param deviceId       "0x1521"
 * @param driver         bound driver name, null when unbound
 * @param netdev         kernel netdev name (the uplink; representors listed apart), null on vfio/uio
 * @param numaNode       NUMA node, null when the platform reports none (sysfs says -1)
 * @param link           operstate of the netdev ("up", "down"), null without a netdev
 * @param sriovTotalVfs  sysfs sriov_totalvfs (what the driver allows), null without SR-IOV
 * @param sriovNumVfs    sysfs sriov_numvfs, null without SR-IOV
 * @param eswitchMode    "legacy" / "switchdev" from devlink, null when the device has no eswitch
 * @param iommuGroup     IOMMU group number, null when the IOMMU is off
 * @param sriov          SR-IOV capability read from config space
 * @param acs            the function's own ACS capability, null when absent
 * @param upstreamBridge the bridge (root/downstream port) above it, with its bus range and ACS
 * @param aer            AER counters (aer_dev_*), null when the device has none
 * @param representors   switchdev representor netdevs on this PF
 * @param vfs            VFs in index order
 */
public record PhysicalFunction(String address, String vendorId, String deviceId, String driver, String netdev, Integer numaNode,
                               String link, Integer sriovTotalVfs, Integer sriovNumVfs, String eswitchMode, String iommuGroup,
                               SriovCapability sriov, AcsCapability acs, PciBridge upstreamBridge, AerCounters aer,
                               List<String> representors, List<VirtualFunction> vfs) {

    public PciAddress pciAddress() {
        return PciAddress.parse(address);
    }

    public int numVfs() {
        return sriovNumVfs == null ? 0 : sriovNumVfs;
    }
}
