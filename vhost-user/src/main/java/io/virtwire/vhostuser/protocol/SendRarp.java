package io.virtwire.vhostuser.protocol;

import java.util.HexFormat;

/**
 * SEND_RARP: the guest's MAC, in the first 6 bytes of the u64 payload; the last two bytes are unused.
 *
 * @param mac the 48-bit MAC with the first wire byte most significant (so {@code 0x525400123456} is 52:54:00:12:34:56)
 */
public record SendRarp(long mac) implements FrontendMessage {

    public static final int MAC_LENGTH = 6;

    public SendRarp {
        if ((mac >>> 48) != 0) {
            throw new IllegalArgumentException("MAC " + Unsigned.hex(mac) + " has more than 48 bits");
        }
    }

    public static SendRarp ofBytes(byte[] mac) {
        if (mac.length != MAC_LENGTH) {
            throw new IllegalArgumentException("MAC has " + mac.length + " bytes, expected " + MAC_LENGTH);
        }
        long value = 0;
        for (byte b : mac) {
            value = (value << 8) | (b & 0xFF);
        }
        return new SendRarp(value);
    }

    public byte[] macBytes() {
        byte[] bytes = new byte[MAC_LENGTH];
        for (int i = 0; i < MAC_LENGTH; i++) {
            bytes[i] = (byte) (mac >>> (8 * (MAC_LENGTH - 1 - i)));
        }
        return bytes;
    }

    @Override
    public FrontendRequest request() {
        return FrontendRequest.SEND_RARP;
    }

    @Override
    public String toString() {
        return "SendRarp[" + HexFormat.ofDelimiter(":").formatHex(macBytes()) + "]";
    }
}
