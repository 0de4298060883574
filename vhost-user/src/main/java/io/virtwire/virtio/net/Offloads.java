package io.virtwire.virtio.net;

/**
 * Offloads a port takes or a guest negotiated, as a bit set: which virtio-net headers a frame may carry when it
 * goes there. A frame asking for more is completed in software first ({@link TcpSegmenter},
 * {@link InternetChecksum#completePartial}).
 */
public final class Offloads {

    /** Partial checksums (NEEDS_CSUM) and DATA_VALID. */
    public static final int CSUM = 1;
    /** TCP segmentation offload over IPv4 (GSO_TCPV4). */
    public static final int TSO4 = 2;
    /** TCP segmentation offload over IPv6 (GSO_TCPV6). */
    public static final int TSO6 = 4;
    /** GSO frames with the ECN bit (CWR set on the first segment). */
    public static final int ECN = 8;
    public static final int NONE = 0;
    public static final int ALL = CSUM | TSO4 | TSO6 | ECN;

    private Offloads() {
    }

    /** What a guest takes on its receive queues, from its acked features (GUEST_CSUM, GUEST_TSO4/6, GUEST_ECN). */
    public static int guestReceives(long acked) {
        if (!VirtioNetFeatures.has(acked, VirtioNetFeatures.GUEST_CSUM)) {
            return NONE; // TSO without checksum offload is not allowed (virtio 1.x 5.1.3.1)
        }
        int o = CSUM;
        o |= VirtioNetFeatures.has(acked, VirtioNetFeatures.GUEST_TSO4) ? TSO4 : 0;
        o |= VirtioNetFeatures.has(acked, VirtioNetFeatures.GUEST_TSO6) ? TSO6 : 0;
        o |= VirtioNetFeatures.has(acked, VirtioNetFeatures.GUEST_ECN) ? ECN : 0;
        return o;
    }

    /** What a guest may send on its transmit queues, from its acked features (CSUM, HOST_TSO4/6, HOST_ECN). */
    public static int guestSends(long acked) {
        if (!VirtioNetFeatures.has(acked, VirtioNetFeatures.CSUM)) {
            return NONE;
        }
        int o = CSUM;
        o |= VirtioNetFeatures.has(acked, VirtioNetFeatures.HOST_TSO4) ? TSO4 : 0;
        o |= VirtioNetFeatures.has(acked, VirtioNetFeatures.HOST_TSO6) ? TSO6 : 0;
        o |= VirtioNetFeatures.has(acked, VirtioNetFeatures.HOST_ECN) ? ECN : 0;
        return o;
    }

    /**
     * Whether a frame with this header may go as it is to a receiver taking {@code accepted}: everything it asks
     * for is accepted, and DATA_VALID only goes to one that takes checksum offload.
     */
    public static boolean fits(int flags, int gsoType, int accepted) {
        int wanted = requested(flags, gsoType);
        return (wanted & accepted) == wanted
                && (flags & ~(VirtioNetHeader.F_NEEDS_CSUM | VirtioNetHeader.F_DATA_VALID)) == 0
                && (flags == 0 || (accepted & CSUM) != 0);
    }

    /** The offloads a header (flags, gso_type) asks for. */
    public static int requested(int flags, int gsoType) {
        int o = (flags & VirtioNetHeader.F_NEEDS_CSUM) != 0 ? CSUM : NONE;
        switch (gsoType & ~VirtioNetHeader.GSO_ECN) {
            case VirtioNetHeader.GSO_TCPV4 -> o |= TSO4 | CSUM;
            case VirtioNetHeader.GSO_TCPV6 -> o |= TSO6 | CSUM;
            default -> { }
        }
        if ((gsoType & VirtioNetHeader.GSO_ECN) != 0) {
            o |= ECN;
        }
        return o;
    }
}
