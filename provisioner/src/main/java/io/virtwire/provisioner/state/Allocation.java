package io.virtwire.provisioner.state;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One device virtwire handed to a domain: a VF, a /dev/vhost-vdpa-N or a vhost-user socket. The record's JSON
 * and the {@code allocation} field of attach-interface's JSON.
 *
 * @param kind      hostdev, vdpa or vhostuser
 * @param device    the key libvirt shows: the VF's PCI address, the vhost-vdpa path, or the socket path
 * @param domain    the domain that holds (or is being given) the device
 * @param state     {@code pending}: the host was changed and the attach is not confirmed yet (a crash leaves this;
 *                  the next run rolls it back unless libvirt shows the domain holding the device);
 *                  {@code held}: libvirt shows the domain holding it
 * @param pf        hostdev: the PF's PCI address
 * @param pfNetdev  hostdev: the PF's netdev, which ip link addresses VFs through
 * @param vfIndex   hostdev: the VF index on the PF
 * @param settings  hostdev: the settings virtwire gave the VF (re-applied by the hook and after AER recovery)
 * @param previous  hostdev: the settings before, restored when the allocation is rolled back
 * @param mac       the guest NIC's MAC
 * @param pid       the process that made the allocation (diagnostics)
 * @param container kind container: the CNI holder (container id, netns, ifname); {@code domain} is then
 *                  {@code container:ID}. Null for every other kind.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Allocation(String kind, String device, String domain, String state, String pf, String pfNetdev, Integer vfIndex,
                         VfSettings settings, VfSettings previous, String mac, Long pid, ContainerHolder container) {

    /** Every kind but container. */
    public Allocation(String kind, String device, String domain, String state, String pf, String pfNetdev, Integer vfIndex,
                      VfSettings settings, VfSettings previous, String mac, Long pid) {
        this(kind, device, domain, state, pf, pfNetdev, vfIndex, settings, previous, mac, pid, null);
    }

    public static final String CONTAINER = "container";

    public static final String PENDING = "pending";
    public static final String HELD = "held";

    public boolean pending() {
        return PENDING.equals(state);
    }

    public Allocation held(String holder) {
        return new Allocation(kind, device, holder, HELD, pf, pfNetdev, vfIndex, settings, previous, mac, pid, container);
    }

    public boolean hostdev() {
        return "hostdev".equals(kind);
    }

    /** A VF a CNI ADD gave to a container: libvirt knows nothing of it, its netns says whether it is still held. */
    public boolean containerHolder() {
        return CONTAINER.equals(kind);
    }
}
