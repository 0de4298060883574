package io.virtwire.vhostuser.protocol;

/** Bounds the codec enforces, each with the reason it is what it is. */
public final class WireLimits {

    private WireLimits() {
    }

    /**
     * Regions in one SET_MEM_TABLE. The spec's layout has region0..region7, and QEMU
     * ({@code VHOST_MEMORY_BASELINE_NREGIONS} in hw/virtio/vhost-user.c) and libvhost-user use the same 8;
     * more memory slots need CONFIGURE_MEM_SLOTS and ADD_MEM_REG.
     */
    public static final int MAX_MEM_TABLE_REGIONS = 8;

    /**
     * Vrings a vhost-user backend can serve: SET_VRING_KICK/CALL/ERR carry the ring index in bits 0-7 of
     * their u64 payload, so a ring with index 256 or above could never get a kick or call fd.
     */
    public static final int MAX_VRINGS = 256;

    /** Largest virtqueue size: "The maximum Queue Size value is 32768" (virtio 1.x 2.6 / 2.7, split and packed). */
    public static final int MAX_QUEUE_SIZE = 32768;

    /**
     * Largest device config space access in GET/SET_CONFIG: QEMU ({@code VHOST_USER_MAX_CONFIG_SIZE} in
     * hw/virtio/vhost-user.c) and libvhost-user both cap it at 256; virtio-net's config is far smaller.
     */
    public static final int MAX_CONFIG_SIZE = 256;

    /** MTU bounds for NET_SET_MTU: virtio-net's mtu field is a le16 and the spec sets 68 (IPv4 minimum) as floor. */
    public static final int MIN_MTU = 68;
    public static final int MAX_MTU = 65535;
}
