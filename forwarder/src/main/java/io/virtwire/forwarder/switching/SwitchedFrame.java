package io.virtwire.forwarder.switching;

import io.virtwire.virtio.net.PacketBurst;
import io.virtwire.virtio.net.TcpFrame;
import io.virtwire.virtio.net.VirtioNetHeader;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * One received frame as the switch classified it: where it is, its 802.1Q tag, the VLAN it belongs to, the L3
 * size it must fit an MTU with, and its virtio-net header if it asks for offloads. Filled once per frame by
 * {@link L2Switch} and handed to {@link EgressForm} for every port it goes to, instead of the values one by one.
 * A mutable value, one per worker ({@link EgressBuffers#frame()}), so switching allocates nothing.
 *
 * <p>{@link #copyTo} is the one copy a frame gets on its way out: its bytes with its tag removed or replaced.
 */
final class SwitchedFrame {

    static final int ETH_HEADER = 14;
    static final int TAG = 4;
    static final int TPID = 0x8100;
    static final int ADDRESSES = 12;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    MemorySegment data;
    long off;
    int len;
    boolean tagged;
    /** The VLAN the ingress port put the frame in. */
    int vlan;
    /** The L3 size the MTU applies to: a GSO frame's largest segment, else the payload behind the Ethernet header. */
    int l3Size;
    /** Where the frame's virtio-net header is in {@link #data} if it asks for offloads, else -1. */
    long header;

    /** The frame {@code i} of {@code burst}, with its tag state and VLAN; {@link #l3Size} its payload, no offload. */
    void of(PacketBurst burst, int i, boolean isTagged, int inVlan) {
        data = burst.data();
        off = burst.offset(i);
        len = burst.length(i);
        tagged = isTagged;
        vlan = inVlan;
        l3Size = len - ETH_HEADER - (isTagged ? TAG : 0);
        header = -1;
    }

    /**
     * The frame asks for offloads (its header at {@code headerOffset}): a GSO frame must fit the MTU by its
     * segments (headers plus gso_size), not by its own length. False if a GSO frame is not TCP over IPv4/IPv6.
     */
    boolean withOffload(long headerOffset, TcpFrame tcp) {
        header = headerOffset;
        int gsoType = data.get(ValueLayout.JAVA_BYTE, header + VirtioNetHeader.GSO_TYPE);
        if (gsoType == VirtioNetHeader.GSO_NONE) {
            return true;
        }
        int gsoSize = gsoSize();
        if (gsoSize == 0 || !tcp.parse(data, off, len)) {
            return false;
        }
        l3Size = tcp.payload() - tcp.l3() + Math.min(gsoSize, tcp.payloadLength());
        return true;
    }

    int gsoSize() {
        return data.get(LE16, header + VirtioNetHeader.GSO_SIZE) & 0xFFFF;
    }

    /** The priority and DEI bits of the frame's own tag (kept when the tag is replaced), 0 if untagged. */
    int priorityBits() {
        return tagged ? data.get(U16, off + ETH_HEADER) & 0xF000 : 0;
    }

    /** Its length with tag {@code tci} (0: none) instead of its own. */
    int outLength(int tci) {
        return len - (tagged ? TAG : 0) + (tci != 0 ? TAG : 0);
    }

    /** Copies the frame to {@code dst[to...)} without its own tag and with tag {@code tci} (0: none) instead. */
    void copyTo(MemorySegment dst, long to, int tci) {
        if (!tagged && tci == 0) {
            MemorySegment.copy(data, off, dst, to, len); // as is (also a runt, which has no addresses to split at)
            return;
        }
        MemorySegment.copy(data, off, dst, to, ADDRESSES);
        int restFrom = ADDRESSES + (tagged ? TAG : 0);
        int at = ADDRESSES;
        if (tci != 0) {
            dst.set(U16, to + ADDRESSES, (short) TPID);
            dst.set(U16, to + ADDRESSES + 2, (short) tci);
            at += TAG;
        }
        MemorySegment.copy(data, off + restFrom, dst, to + at, len - restFrom);
    }
}
