package io.virtwire.virtio.queue;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * What split and packed virtqueues share: the little-endian field layouts, the 16-byte descriptor and its
 * flag bits, and the size limit (virtio 1.x, "Basic Facilities of a Virtio Device").
 *
 * <p>The layouts are the unaligned ones on purpose: a ring's host address is only as aligned as the frontend's
 * mapping offset makes it, and an aligned layout would turn a misaligned mapping into an exception on the
 * data path. Ordering comes from explicit {@link java.lang.invoke.VarHandle} fences instead.
 */
public final class RingLayout {

    public static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Both ring formats allow at most 2^15 entries. */
    public static final int MAX_QUEUE_SIZE = 32768;

    /** Every descriptor (split table entry, packed ring entry, indirect table entry) is 16 bytes. */
    public static final int DESC_SIZE = 16;
    /** Offset of {@code le64 addr} in a descriptor. */
    public static final int DESC_ADDR = 0;
    /** Offset of {@code le32 len} in a descriptor. */
    public static final int DESC_LEN = 8;

    /** The buffer continues in another descriptor (split: the {@code next} field; packed: the following slot). */
    public static final int F_NEXT = 1;
    /** The buffer is device-writable; otherwise device-readable. */
    public static final int F_WRITE = 2;
    /** The descriptor points at a table of descriptors instead of at data. */
    public static final int F_INDIRECT = 4;

    private RingLayout() {
    }

    public static boolean isPowerOfTwo(int n) {
        return n > 0 && (n & (n - 1)) == 0;
    }

    /** The 16-bit free-running ring indices: all index arithmetic is modulo 2^16. */
    public static int u16(int value) {
        return value & 0xFFFF;
    }
}
