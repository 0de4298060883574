package io.virtwire.vhostuser.protocol;

/**
 * vhost-user protocol feature bits ({@code VHOST_USER_PROTOCOL_F_*}), negotiated with
 * GET_PROTOCOL_FEATURES / SET_PROTOCOL_FEATURES once the virtio feature
 * {@link VirtioFeature#VHOST_USER_F_PROTOCOL_FEATURES} was offered.
 *
 * <p>Bit numbers from QEMU docs/interop/vhost-user.rst, section "Protocol features".
 * The spec's table calls bit 4 {@code VHOST_USER_PROTOCOL_F_MTU}; its prose and QEMU's code call it
 * {@code NET_MTU}, which is the name used here. {@code BACKEND_REQ} and {@code BACKEND_SEND_FD} were
 * called {@code SLAVE_REQ} / {@code SLAVE_SEND_FD} in older versions of the spec.
 */
public enum ProtocolFeature {
    MQ(0),
    LOG_SHMFD(1),
    RARP(2),
    REPLY_ACK(3),
    NET_MTU(4),
    BACKEND_REQ(5),
    CROSS_ENDIAN(6),
    CRYPTO_SESSION(7),
    PAGEFAULT(8),
    CONFIG(9),
    BACKEND_SEND_FD(10),
    HOST_NOTIFIER(11),
    INFLIGHT_SHMFD(12),
    RESET_DEVICE(13),
    INBAND_NOTIFICATIONS(14),
    CONFIGURE_MEM_SLOTS(15),
    STATUS(16),
    XEN_MMAP(17),
    SHARED_OBJECT(18),
    DEVICE_STATE(19);

    private final int bit;

    ProtocolFeature(int bit) {
        this.bit = bit;
    }

    public int bit() {
        return bit;
    }

    public long mask() {
        return 1L << bit;
    }

    /** The C name used in the spec, e.g. {@code VHOST_USER_PROTOCOL_F_REPLY_ACK}. */
    public String specName() {
        return "VHOST_USER_PROTOCOL_F_" + name();
    }

    /** The feature with this bit number, or {@code null} if the spec defines none. */
    public static ProtocolFeature ofBit(int bit) {
        for (ProtocolFeature f : values()) {
            if (f.bit == bit) {
                return f;
            }
        }
        return null;
    }
}
