package io.virtwire.provisioner.host;

import java.util.List;

public record IommuGroup(String id, List<GroupMember> devices) {

    /** A function of an IOMMU group; bridges do not need to be bound to vfio-pci for the group to be viable. */
    public record GroupMember(String address, String driver, String classCode, boolean bridge) {
    }
}
