package io.virtwire.provisioner.allocation;

/**
 * One line of {@code virtwire vf list}: a VF, its admin settings as the PF reports them, and who has it.
 *
 * @param domain  the domain that holds the VF (libvirt's view, persistent or live XML), null when free
 * @param state   {@code free}, {@code held} (a domain has it), {@code reserved} (the host profile keeps it from VMs) or
 *                {@code unusable} (not in an isolated IOMMU group)
 * @param recorded whether the allocation record has it (false for a VF a domain holds that virtwire did not hand out
 *                and could not adopt)
 * @param note    why an unusable VF is unusable
 * @param reservedFor who the host profile reserved the VF (or its PF) for ("reserve: dpdk"), null when VMs may have it
 */
public record VfRow(String pf, String pfNetdev, int index, String address, String driver, String mac, Integer vlan, Integer qos,
                    Boolean trust, Boolean spoofchk, String linkState, String iommuGroup, String domain, String state, boolean recorded,
                    String note, String reservedFor) {
}
