package io.virtwire.virtio.net;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Where the headers of an Ethernet frame carrying TCP over IPv4 or IPv6 are (offsets from the frame's start),
 * found by {@link #parse}; a reusable flyweight (no allocation). Up to two VLAN tags; IPv4 without fragments,
 * IPv6 with TCP as the first next header (extension headers are not followed). Every length read from the frame
 * is checked against the frame before it is used.
 */
public final class TcpFrame {

    static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final int ETH_HEADER = 14;
    static final int TCP = 6;

    private int l3;
    private boolean ipv6;
    private int l4;
    private int payload;
    private int end;

    /** @return true if the frame is TCP over IPv4/IPv6 with consistent lengths; the accessors are valid only then */
    public boolean parse(MemorySegment s, long frame, int length) {
        if (length < ETH_HEADER) {
            return false;
        }
        int at = 12;
        int type = s.get(BE16, frame + at) & 0xFFFF;
        for (int tags = 0; (type == 0x8100 || type == 0x88A8) && tags < 2; tags++) {
            at += 4;
            if (at + 2 > length) {
                return false;
            }
            type = s.get(BE16, frame + at) & 0xFFFF;
        }
        l3 = at + 2;
        if (type == 0x0800) {
            if (l3 + 20 > length) {
                return false;
            }
            int vihl = s.get(ValueLayout.JAVA_BYTE, frame + l3) & 0xFF;
            int ihl = (vihl & 0x0F) * 4;
            int total = s.get(BE16, frame + l3 + 2) & 0xFFFF;
            int fragment = s.get(BE16, frame + l3 + 6) & 0x3FFF;
            if ((vihl >>> 4) != 4 || ihl < 20 || (s.get(ValueLayout.JAVA_BYTE, frame + l3 + 9) & 0xFF) != TCP
                    || fragment != 0 || total < ihl || l3 + total > length) {
                return false;
            }
            ipv6 = false;
            l4 = l3 + ihl;
            end = l3 + total;
        } else if (type == 0x86DD) {
            if (l3 + 40 > length) {
                return false;
            }
            int version = (s.get(ValueLayout.JAVA_BYTE, frame + l3) & 0xFF) >>> 4;
            int payloadLength = s.get(BE16, frame + l3 + 4) & 0xFFFF;
            if (version != 6 || (s.get(ValueLayout.JAVA_BYTE, frame + l3 + 6) & 0xFF) != TCP
                    || l3 + 40 + payloadLength > length) {
                return false;
            }
            ipv6 = true;
            l4 = l3 + 40;
            end = l4 + payloadLength;
        } else {
            return false;
        }
        if (l4 + 20 > end) {
            return false;
        }
        int dataOffset = ((s.get(ValueLayout.JAVA_BYTE, frame + l4 + 12) & 0xFF) >>> 4) * 4;
        if (dataOffset < 20 || l4 + dataOffset > end) {
            return false;
        }
        payload = l4 + dataOffset;
        return true;
    }

    /** Start of the IP header. */
    public int l3() {
        return l3;
    }

    public boolean ipv6() {
        return ipv6;
    }

    /** Start of the TCP header. */
    public int l4() {
        return l4;
    }

    /** Start of the TCP payload (end of all headers). */
    public int payload() {
        return payload;
    }

    /** End of the IP packet (the frame may carry Ethernet padding after it). */
    public int end() {
        return end;
    }

    /** TCP payload bytes. */
    public int payloadLength() {
        return end - payload;
    }
}
