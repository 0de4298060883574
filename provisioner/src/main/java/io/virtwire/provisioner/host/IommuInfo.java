package io.virtwire.provisioner.host;

import java.util.List;
import java.util.Map;

/**
 * The IOMMU as the running kernel has it, not as the command line wishes: enabled means groups exist.
 *
 * @param units         entries of /sys/class/iommu (dmar0, ivhd0, ...)
 * @param cmdlineFlags  IOMMU-relevant kernel parameters (intel_iommu, amd_iommu, iommu, iommu.passthrough, pci, pcie_acs_override, vfio-pci.ids)
 * @param passthrough   iommu=pt or iommu.passthrough=1 in effect
 */
public record IommuInfo(boolean enabled, List<String> units, Map<String, String> cmdlineFlags, boolean passthrough,
                        List<IommuGroup> groups) {
}
