package io.virtwire.provisioner.state;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Who holds a VF of kind {@code container}: what the CNI runtime named (CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME) and
 * what DEL needs to undo the ADD.
 *
 * @param containerId    CNI_CONTAINERID
 * @param netns          CNI_NETNS (a path: /var/run/netns/NAME or /proc/PID/ns/net); reconciliation frees the VF when it is gone
 * @param ifname         CNI_IFNAME, the VF netdev's name inside the netns (mode netdev)
 * @param mode           {@code netdev} or {@code vfio}
 * @param hostNetdev     mode netdev: the VF netdev's name on the host before the move (DEL moves it back under it)
 * @param previousDriver mode vfio: the driver the VF had before it was bound to vfio-pci (DEL binds it back), null if none
 * @param network        the CNI network's {@code name}: a GC for that network frees only its own attachments; null on
 *                       entries of an older virtwire (no GC frees those: reconciliation of a gone netns still does)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ContainerHolder(String containerId, String netns, String ifname, String mode, String hostNetdev, String previousDriver,
                              String network) {

    public static final String NETDEV = "netdev";
    public static final String VFIO = "vfio";

    /** What the record's {@code domain} field says for a container holder, so every "held by '...'" message names it. */
    public static String holderName(String containerId) {
        return "container:" + containerId;
    }
}
