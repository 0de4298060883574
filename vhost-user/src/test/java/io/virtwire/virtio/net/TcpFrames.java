package io.virtwire.virtio.net;

import java.nio.ByteBuffer;
import java.util.Random;

/**
 * Builds Ethernet/IPv4|IPv6/TCP frames in byte arrays and checks their checksums with a plain 16-bit
 * ones'-complement sum over bytes (independent of {@link InternetChecksum}'s 32-bit loop).
 */
public final class TcpFrames {

    public static final int FIN = 0x01;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int CWR = 0x80;

    private TcpFrames() {
    }

    /** @param vlan 0 for an untagged frame */
    public static byte[] build(boolean ipv6, int vlan, int payloadLength, int tcpFlags, long seed) {
        byte[] payload = new byte[payloadLength];
        new Random(seed).nextBytes(payload);
        int l2 = vlan != 0 ? 18 : 14;
        int l3 = ipv6 ? 40 : 20;
        int tcp = 32; // with 12 bytes of options (NOP NOP timestamp)
        ByteBuffer b = ByteBuffer.allocate(l2 + l3 + tcp + payloadLength);
        b.put(new byte[] {0x52, 0x54, 0, 0, 0, 2, 0x52, 0x54, 0, 0, 0, 1});
        if (vlan != 0) {
            b.putShort((short) 0x8100).putShort((short) vlan);
        }
        b.putShort((short) (ipv6 ? 0x86DD : 0x0800));
        if (ipv6) {
            b.putInt(0x6000_0000).putShort((short) (tcp + payloadLength)).put((byte) 6).put((byte) 64);
            for (int i = 0; i < 16; i++) {
                b.put((byte) (i == 15 ? 1 : i == 0 ? 0xfd : 0));
            }
            for (int i = 0; i < 16; i++) {
                b.put((byte) (i == 15 ? 2 : i == 0 ? 0xfd : 0));
            }
        } else {
            b.put((byte) 0x45).put((byte) 0).putShort((short) (l3 + tcp + payloadLength)).putShort((short) 0x1234)
                    .putShort((short) 0x4000).put((byte) 64).put((byte) 6).putShort((short) 0)
                    .put(new byte[] {10, 0, 0, 1}).put(new byte[] {10, 0, 0, 2});
        }
        b.putShort((short) 40000).putShort((short) 5201).putInt(0xFFFF_F000).putInt(77)
                .put((byte) 0x80).put((byte) tcpFlags).putShort((short) 512).putShort((short) 0).putShort((short) 0)
                .put(new byte[] {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2});
        b.put(payload);
        byte[] f = b.array();
        if (!ipv6) {
            putShort(f, l2 + 10, ~fold(sum(f, l2, 20, 0)) & 0xFFFF);
        }
        return f;
    }

    /** Writes the pseudo-header sum into the TCP checksum field, as a sender asking for NEEDS_CSUM does. */
    public static void seedPartial(byte[] f, boolean ipv6, int l3, int l4) {
        int tcpLength = f.length - l4;
        putShort(f, l4 + 16, 0);
        putShort(f, l4 + 16, fold(pseudo(f, ipv6, l3, tcpLength)));
    }

    public static long pseudo(byte[] f, boolean ipv6, int l3, int tcpLength) {
        return ipv6 ? sum(f, l3 + 8, 32, 6 + tcpLength) : sum(f, l3 + 12, 8, 6 + tcpLength);
    }

    /** True if the TCP checksum of the frame (TCP from l4 to the end) verifies. */
    public static boolean tcpChecksumOk(byte[] f, boolean ipv6, int l3, int l4) {
        int tcpLength = f.length - l4;
        return fold(sum(f, l4, tcpLength, pseudo(f, ipv6, l3, tcpLength))) == 0xFFFF;
    }

    public static boolean ipv4ChecksumOk(byte[] f, int l3) {
        return fold(sum(f, l3, 20, 0)) == 0xFFFF;
    }

    public static long sum(byte[] f, int from, int length, long acc) {
        for (int i = 0; i < length; i += 2) {
            int hi = f[from + i] & 0xFF;
            int lo = i + 1 < length ? f[from + i + 1] & 0xFF : 0;
            acc += (hi << 8) | lo;
        }
        return acc;
    }

    public static int fold(long s) {
        while (s > 0xFFFF) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int) s;
    }

    public static int u16(byte[] f, int at) {
        return ((f[at] & 0xFF) << 8) | (f[at + 1] & 0xFF);
    }

    public static long u32(byte[] f, int at) {
        return ((long) u16(f, at) << 16) | u16(f, at + 2);
    }

    public static void putShort(byte[] f, int at, int v) {
        f[at] = (byte) (v >>> 8);
        f[at + 1] = (byte) v;
    }
}
