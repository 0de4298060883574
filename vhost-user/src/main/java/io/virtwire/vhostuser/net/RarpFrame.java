package io.virtwire.vhostuser.net;

/**
 * The gratuitous RARP a migrated guest's port sends on its behalf (vhost-user SEND_RARP, for guests without
 * VIRTIO_NET_F_GUEST_ANNOUNCE): broadcast, source = the guest's MAC, a reverse request (RFC 903 opcode 3) whose
 * sender and target hardware addresses are that MAC. Switches flood it and learn the MAC on the new port; it
 * carries no IP address. The same frame QEMU's announce-self builds, padded to the 60-byte Ethernet minimum.
 */
public final class RarpFrame {

    public static final int LENGTH = 60;
    public static final int ETHERTYPE_RARP = 0x8035;
    public static final int OP_REVERSE_REQUEST = 3;

    private RarpFrame() {
    }

    /** @throws IllegalArgumentException unless {@code mac} is 6 bytes */
    public static byte[] announce(byte[] mac) {
        if (mac == null || mac.length != 6) {
            throw new IllegalArgumentException("RARP announcement needs a 6-byte MAC, got "
                    + (mac == null ? "none" : mac.length + " bytes"));
        }
        byte[] f = new byte[LENGTH];
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) 0xFF; // broadcast
        }
        System.arraycopy(mac, 0, f, 6, 6);
        f[12] = (byte) (ETHERTYPE_RARP >> 8);
        f[13] = (byte) ETHERTYPE_RARP;
        int p = 14;
        f[p] = 0;
        f[p + 1] = 1; // hardware type: Ethernet
        f[p + 2] = 0x08;
        f[p + 3] = 0x00; // protocol type: IPv4
        f[p + 4] = 6; // hardware address length
        f[p + 5] = 4; // protocol address length
        f[p + 6] = 0;
        f[p + 7] = OP_REVERSE_REQUEST;
        System.arraycopy(mac, 0, f, p + 8, 6); // sender hardware address; sender IP stays 0.0.0.0
        System.arraycopy(mac, 0, f, p + 18, 6); // target hardware address; target IP stays 0.0.0.0
        return f;
    }
}
