package io.virtwire.forwarder.switching;

import java.nio.ByteBuffer;

/** Ethernet frames for tests: addresses as 48-bit longs, an optional 802.1Q tag, a recognisable payload. */
final class Frames {

    static final long BROADCAST = 0xFFFF_FFFF_FFFFL;

    private Frames() {
    }

    /** @param vid -1 for untagged */
    static byte[] frame(long dst, long src, int vid, int payloadLength) {
        ByteBuffer b = ByteBuffer.allocate(14 + (vid >= 0 ? 4 : 0) + payloadLength);
        putMac(b, dst);
        putMac(b, src);
        if (vid >= 0) {
            b.putShort((short) 0x8100);
            b.putShort((short) vid);
        }
        b.putShort((short) 0x0800);
        for (int i = 0; i < payloadLength; i++) {
            b.put((byte) (i * 7 + src));
        }
        return b.array();
    }

    private static void putMac(ByteBuffer b, long mac) {
        for (int shift = 40; shift >= 0; shift -= 8) {
            b.put((byte) (mac >>> shift));
        }
    }

    /** The VID of a tagged frame, or -1. */
    static int vid(byte[] f) {
        return ((f[12] & 0xFF) << 8 | (f[13] & 0xFF)) == 0x8100 ? ((f[14] & 0x0F) << 8) | (f[15] & 0xFF) : -1;
    }

    static long src(byte[] f) {
        long m = 0;
        for (int i = 6; i < 12; i++) {
            m = (m << 8) | (f[i] & 0xFF);
        }
        return m;
    }

    /** The frame without its tag (or itself). */
    static byte[] untagged(byte[] f) {
        if (vid(f) < 0) {
            return f;
        }
        byte[] out = new byte[f.length - 4];
        System.arraycopy(f, 0, out, 0, 12);
        System.arraycopy(f, 16, out, 12, f.length - 16);
        return out;
    }
}
