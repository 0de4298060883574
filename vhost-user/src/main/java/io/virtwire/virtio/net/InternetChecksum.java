package io.virtwire.virtio.net;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The Internet checksum (RFC 1071): the ones' complement sum of big-endian 16-bit words. Summing 32-bit words and
 * folding gives the same result (2^16 = 1 modulo 0xFFFF), so the loop takes four bytes at a time.
 */
public final class InternetChecksum {

    private static final ValueLayout.OfInt BE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private InternetChecksum() {
    }

    /** Adds {@code length} bytes at {@code offset} to {@code sum} (unfolded; an odd last byte is the high half of a word). */
    public static long add(MemorySegment s, long offset, int length, long sum) {
        long at = offset;
        long end = offset + length;
        while (end - at >= 4) {
            sum += s.get(BE32, at) & 0xFFFF_FFFFL;
            at += 4;
        }
        if (end - at >= 2) {
            sum += s.get(BE16, at) & 0xFFFF;
            at += 2;
        }
        if (at < end) {
            sum += (s.get(ValueLayout.JAVA_BYTE, at) & 0xFF) << 8;
        }
        return sum;
    }

    /** Folds a running sum to 16 bits. */
    public static int fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) sum;
    }

    /** The checksum to store: the complement of the folded sum; 0 becomes 0xFFFF (the same value for TCP, required for UDP). */
    public static int finish(long sum) {
        int c = ~fold(sum) & 0xFFFF;
        return c == 0 ? 0xFFFF : c;
    }

    /**
     * Completes a partial checksum (virtio-net NEEDS_CSUM, Linux CHECKSUM_PARTIAL): the field at
     * {@code csumStart + csumOffset} holds the pseudo-header sum; the checksum over {@code csumStart..length} is
     * stored there. The caller has checked {@code csumStart + csumOffset + 2 <= length}.
     */
    public static void completePartial(MemorySegment s, long frame, int length, int csumStart, int csumOffset) {
        long sum = add(s, frame + csumStart, length - csumStart, 0);
        s.set(BE16, frame + csumStart + csumOffset, (short) finish(sum));
    }
}
