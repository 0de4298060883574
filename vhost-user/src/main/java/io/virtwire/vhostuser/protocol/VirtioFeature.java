package io.virtwire.vhostuser.protocol;

/**
 * Virtio feature bits a vhost-user net backend sees in GET_FEATURES / SET_FEATURES, under their spec names.
 *
 * <p>Sources: virtio 1.3 spec section 6 "Reserved Feature Bits" (device-independent {@code VIRTIO_F_*}) and
 * section 5.1.3 "Network device, feature bits" ({@code VIRTIO_NET_F_*}); bits 26 and 30 are vhost's own use
 * of bits the virtio spec leaves to the transport ({@code VHOST_F_LOG_ALL} from linux/vhost.h,
 * {@code VHOST_USER_F_PROTOCOL_FEATURES} from QEMU docs/interop/vhost-user.rst).
 * Full prefixed names are kept because the set mixes four prefixes.
 */
public enum VirtioFeature {
    VIRTIO_NET_F_CSUM(0),
    VIRTIO_NET_F_GUEST_CSUM(1),
    VIRTIO_NET_F_CTRL_GUEST_OFFLOADS(2),
    VIRTIO_NET_F_MTU(3),
    VIRTIO_NET_F_MAC(5),
    VIRTIO_NET_F_GUEST_TSO4(7),
    VIRTIO_NET_F_GUEST_TSO6(8),
    VIRTIO_NET_F_GUEST_ECN(9),
    VIRTIO_NET_F_GUEST_UFO(10),
    VIRTIO_NET_F_HOST_TSO4(11),
    VIRTIO_NET_F_HOST_TSO6(12),
    VIRTIO_NET_F_HOST_ECN(13),
    VIRTIO_NET_F_HOST_UFO(14),
    VIRTIO_NET_F_MRG_RXBUF(15),
    VIRTIO_NET_F_STATUS(16),
    VIRTIO_NET_F_CTRL_VQ(17),
    VIRTIO_NET_F_CTRL_RX(18),
    VIRTIO_NET_F_CTRL_VLAN(19),
    VIRTIO_NET_F_CTRL_RX_EXTRA(20),
    VIRTIO_NET_F_GUEST_ANNOUNCE(21),
    VIRTIO_NET_F_MQ(22),
    VIRTIO_NET_F_CTRL_MAC_ADDR(23),
    /** Legacy only. */
    VIRTIO_F_NOTIFY_ON_EMPTY(24),
    /** vhost: the frontend logs dirty pages (live migration); may toggle while running. */
    VHOST_F_LOG_ALL(26),
    /** Legacy only. */
    VIRTIO_F_ANY_LAYOUT(27),
    VIRTIO_F_RING_INDIRECT_DESC(28),
    VIRTIO_F_RING_EVENT_IDX(29),
    /** vhost-user: GET/SET_PROTOCOL_FEATURES are available; never visible to the guest. */
    VHOST_USER_F_PROTOCOL_FEATURES(30),
    VIRTIO_F_VERSION_1(32),
    /** Called VIRTIO_F_IOMMU_PLATFORM before virtio 1.1 and in the vhost-user spec. */
    VIRTIO_F_ACCESS_PLATFORM(33),
    VIRTIO_F_RING_PACKED(34),
    VIRTIO_F_IN_ORDER(35),
    VIRTIO_F_ORDER_PLATFORM(36),
    VIRTIO_F_SR_IOV(37),
    VIRTIO_F_NOTIFICATION_DATA(38),
    VIRTIO_F_NOTIF_CONFIG_DATA(39),
    VIRTIO_F_RING_RESET(40),
    VIRTIO_F_ADMIN_VQ(41),
    VIRTIO_NET_F_DEVICE_STATS(50),
    VIRTIO_NET_F_VQ_NOTF_COAL(52),
    VIRTIO_NET_F_NOTF_COAL(53),
    VIRTIO_NET_F_GUEST_USO4(54),
    VIRTIO_NET_F_GUEST_USO6(55),
    VIRTIO_NET_F_HOST_USO(56),
    VIRTIO_NET_F_HASH_REPORT(57),
    VIRTIO_NET_F_GUEST_HDRLEN(59),
    VIRTIO_NET_F_RSS(60),
    VIRTIO_NET_F_RSC_EXT(61),
    VIRTIO_NET_F_STANDBY(62),
    VIRTIO_NET_F_SPEED_DUPLEX(63);

    private final int bit;

    VirtioFeature(int bit) {
        this.bit = bit;
    }

    public int bit() {
        return bit;
    }

    public long mask() {
        return 1L << bit;
    }

    /** The feature with this bit number, or {@code null} if none is defined here. */
    public static VirtioFeature ofBit(int bit) {
        for (VirtioFeature f : values()) {
            if (f.bit == bit) {
                return f;
            }
        }
        return null;
    }
}
