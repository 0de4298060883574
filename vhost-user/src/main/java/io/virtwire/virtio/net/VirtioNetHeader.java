package io.virtwire.virtio.net;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static io.virtwire.virtio.queue.RingLayout.U16;

/**
 * Flyweight over a {@code struct virtio_net_hdr} (with {@code num_buffers}) in one of OUR buffers: the device
 * first copies the header out of the guest's chain (it may span descriptors) and then reads it here, so the guest
 * cannot change it between check and use. Little-endian (VERSION_1).
 *
 * <pre>
 * +0 u8 flags | +1 u8 gso_type | +2 le16 hdr_len | +4 le16 gso_size | +6 le16 csum_start | +8 le16 csum_offset
 * +10 le16 num_buffers (MRG_RXBUF or VERSION_1)
 * </pre>
 */
public final class VirtioNetHeader {

    public static final int SIZE = 12;
    public static final int LEGACY_SIZE = 10;

    public static final int FLAGS = 0;
    public static final int GSO_TYPE = 1;
    public static final int HDR_LEN = 2;
    public static final int GSO_SIZE = 4;
    public static final int CSUM_START = 6;
    public static final int CSUM_OFFSET = 8;
    public static final int NUM_BUFFERS = 10;

    public static final int F_NEEDS_CSUM = 1;
    public static final int F_DATA_VALID = 2;
    public static final int F_RSC_INFO = 4;

    public static final int GSO_NONE = 0;
    public static final int GSO_TCPV4 = 1;
    public static final int GSO_UDP = 3;
    public static final int GSO_TCPV6 = 4;
    public static final int GSO_UDP_L4 = 5;
    public static final int GSO_ECN = 0x80;

    private MemorySegment segment = MemorySegment.NULL;
    private long offset;

    /** Points this view at the header starting at {@code offset}; {@code segment} must hold {@link #SIZE} bytes there. */
    public VirtioNetHeader wrap(MemorySegment segment, long offset) {
        if (offset < 0 || segment.byteSize() - offset < SIZE) {
            throw new IndexOutOfBoundsException("virtio-net header at offset " + offset + " does not fit a " + segment.byteSize() + "-byte buffer");
        }
        this.segment = segment;
        this.offset = offset;
        return this;
    }

    public int flags() {
        return Byte.toUnsignedInt(segment.get(ValueLayout.JAVA_BYTE, offset + FLAGS));
    }

    public VirtioNetHeader flags(int value) {
        segment.set(ValueLayout.JAVA_BYTE, offset + FLAGS, (byte) value);
        return this;
    }

    public int gsoType() {
        return Byte.toUnsignedInt(segment.get(ValueLayout.JAVA_BYTE, offset + GSO_TYPE));
    }

    public VirtioNetHeader gsoType(int value) {
        segment.set(ValueLayout.JAVA_BYTE, offset + GSO_TYPE, (byte) value);
        return this;
    }

    public int hdrLen() {
        return u16(HDR_LEN);
    }

    public VirtioNetHeader hdrLen(int value) {
        return u16(HDR_LEN, value);
    }

    public int gsoSize() {
        return u16(GSO_SIZE);
    }

    public VirtioNetHeader gsoSize(int value) {
        return u16(GSO_SIZE, value);
    }

    public int csumStart() {
        return u16(CSUM_START);
    }

    public VirtioNetHeader csumStart(int value) {
        return u16(CSUM_START, value);
    }

    public int csumOffset() {
        return u16(CSUM_OFFSET);
    }

    public VirtioNetHeader csumOffset(int value) {
        return u16(CSUM_OFFSET, value);
    }

    public int numBuffers() {
        return u16(NUM_BUFFERS);
    }

    public VirtioNetHeader numBuffers(int value) {
        return u16(NUM_BUFFERS, value);
    }

    /** Zeroes the header: no offloads, GSO_NONE, num_buffers 0. */
    public VirtioNetHeader clear() {
        segment.asSlice(offset, SIZE).fill((byte) 0);
        return this;
    }

    /**
     * Checks a header the guest sent with a frame of {@code frameLength} bytes (after the header), following the
     * rules a backend must apply to guest-supplied offload requests.
     *
     * @return null if acceptable, else the rule broken (names the values)
     */
    public String checkTransmit(long frameLength) {
        int gso = gsoType() & ~GSO_ECN;
        if (gso != GSO_NONE && gso != GSO_TCPV4 && gso != GSO_TCPV6 && gso != GSO_UDP && gso != GSO_UDP_L4) {
            return "unknown gso_type " + gsoType();
        }
        if (gso != GSO_NONE && gsoSize() == 0) {
            return "gso_type " + gso + " with gso_size 0";
        }
        if (hdrLen() > frameLength) {
            return "hdr_len " + hdrLen() + " exceeds frame length " + frameLength;
        }
        if ((flags() & F_NEEDS_CSUM) != 0 && (long) csumStart() + csumOffset() + 2 > frameLength) {
            return "csum_start " + csumStart() + " + csum_offset " + csumOffset() + " + 2 exceeds frame length " + frameLength;
        }
        return null;
    }

    private int u16(int field) {
        return Short.toUnsignedInt(segment.get(U16, offset + field));
    }

    private VirtioNetHeader u16(int field, int value) {
        segment.set(U16, offset + field, (short) value);
        return this;
    }
}
