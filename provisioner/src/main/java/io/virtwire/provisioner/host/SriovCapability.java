package io.virtwire.provisioner.host;

import io.virtwire.provisioner.model.PciAddress;

/**
 * The SR-IOV extended capability. VF n (0-based) has routing ID = PF routing ID + firstVfOffset + n * vfStride;
 * vfBarsAssigned says whether the firmware/kernel gave the VF BARs memory (sysfs resource lines 7-12), null if unknown.
 */
public record SriovCapability(int offset, int initialVfs, int totalVfs, int numVfs, int firstVfOffset, int vfStride,
                              String vfDeviceId, Boolean vfBarsAssigned) {

    public SriovCapability withVfBarsAssigned(Boolean assigned) {
        return new SriovCapability(offset, initialVfs, totalVfs, numVfs, firstVfOffset, vfStride, vfDeviceId, assigned);
    }

    public PciAddress vfAddress(PciAddress pf, int vfIndex) {
        return PciAddress.fromRoutingId(pf.domain(), pf.routingId() + firstVfOffset + vfIndex * vfStride);
    }

    /** The bus the last of n VFs lands on, as the kernel computes it in sriov_enable (pci_iov_virtfn_bus). */
    public int busOfLastVf(PciAddress pf, int n) {
        return (pf.routingId() + firstVfOffset + (n - 1) * vfStride) >> 8;
    }

    /** How many VFs fit before their bus numbers leave the range behind the PF's upstream bridge. */
    public int vfsThatFit(PciAddress pf, BusRange range, int wanted) {
        int fit = 0;
        for (int n = 1; n <= wanted; n++) {
            if (busOfLastVf(pf, n) > range.subordinate()) {
                break;
            }
            fit = n;
        }
        return fit;
    }
}
