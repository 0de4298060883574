package io.virtwire.virtio.net;

/**
 * Feature bit NUMBERS for a virtio-net device and the transport bits every device shares (virtio 1.x,
 * "Network Device" and "Reserved Feature Bits"), plus the vhost-user bit that lives in the same word.
 * Constants are bit positions, not masks: test with {@link #has(long, int)}, build with {@link #mask(int...)}.
 */
public final class VirtioNetFeatures {

    // device-specific (virtio-net)
    public static final int CSUM = 0;
    public static final int GUEST_CSUM = 1;
    public static final int CTRL_GUEST_OFFLOADS = 2;
    public static final int MTU = 3;
    public static final int MAC = 5;
    public static final int GUEST_TSO4 = 7;
    public static final int GUEST_TSO6 = 8;
    public static final int GUEST_ECN = 9;
    public static final int GUEST_UFO = 10;
    public static final int HOST_TSO4 = 11;
    public static final int HOST_TSO6 = 12;
    public static final int HOST_ECN = 13;
    public static final int HOST_UFO = 14;
    public static final int MRG_RXBUF = 15;
    public static final int STATUS = 16;
    public static final int CTRL_VQ = 17;
    public static final int CTRL_RX = 18;
    public static final int CTRL_VLAN = 19;
    public static final int GUEST_ANNOUNCE = 21;
    public static final int MQ = 22;
    public static final int CTRL_MAC_ADDR = 23;
    public static final int GUEST_USO4 = 54;
    public static final int GUEST_USO6 = 55;
    public static final int HOST_USO = 56;
    public static final int HASH_REPORT = 57;
    public static final int GUEST_HDRLEN = 59;
    public static final int RSS = 60;
    public static final int RSC_EXT = 61;
    public static final int STANDBY = 62;
    public static final int SPEED_DUPLEX = 63;

    // transport (device-independent)
    public static final int NOTIFY_ON_EMPTY = 24;
    public static final int ANY_LAYOUT = 27;
    public static final int RING_INDIRECT_DESC = 28;
    public static final int RING_EVENT_IDX = 29;
    /** Not a virtio bit: vhost-user reuses bit 30 of the feature word to announce GET/SET_PROTOCOL_FEATURES. */
    public static final int VHOST_USER_F_PROTOCOL_FEATURES = 30;
    public static final int VERSION_1 = 32;
    public static final int ACCESS_PLATFORM = 33;
    public static final int RING_PACKED = 34;
    public static final int IN_ORDER = 35;
    public static final int ORDER_PLATFORM = 36;
    public static final int SR_IOV = 37;
    public static final int NOTIFICATION_DATA = 38;
    public static final int RING_RESET = 40;

    private VirtioNetFeatures() {
    }

    public static long bit(int number) {
        if (number < 0 || number > 63) {
            throw new IllegalArgumentException("feature bit " + number + " is not in 0..63");
        }
        return 1L << number;
    }

    public static long mask(int... numbers) {
        long m = 0;
        for (int n : numbers) {
            m |= bit(n);
        }
        return m;
    }

    public static boolean has(long features, int number) {
        return (features & bit(number)) != 0;
    }

    /**
     * Size of the header in front of every packet: 12 bytes with VERSION_1 or MRG_RXBUF (num_buffers present),
     * 10 for a legacy device without mergeable buffers. (HASH_REPORT would add 8; we do not offer it.)
     */
    public static int netHeaderSize(long features) {
        return has(features, VERSION_1) || has(features, MRG_RXBUF) ? VirtioNetHeader.SIZE : VirtioNetHeader.LEGACY_SIZE;
    }
}
