package io.virtwire.virtio.queue;

/**
 * Offsets of a packed virtqueue (virtio 1.x, "Packed Virtqueues"), all little-endian.
 *
 * <pre>
 * Descriptor ring (align 16)  size * 16 bytes, read and written by both sides
 *   +0 le64 addr | +8 le32 len | +12 le16 id | +14 le16 flags (NEXT, WRITE, INDIRECT, AVAIL=1&lt;&lt;7, USED=1&lt;&lt;15)
 *
 * Event suppression structure (align 4), one written by the driver ("driver area"),
 * one by the device ("device area")         4 bytes
 *   +0 le16 desc: bits 0..14 descriptor offset, bit 15 wrap counter | +2 le16 flags (ENABLE/DISABLE/DESC)
 * </pre>
 */
public final class PackedRingLayout {

    public static final int DESC_RING_ALIGN = 16;
    public static final int EVENT_ALIGN = 4;
    public static final int EVENT_SIZE = 4;

    /** Offset of {@code le16 id} (the buffer ID) in a packed descriptor. */
    public static final int DESC_ID = 12;
    /** Offset of {@code le16 flags} in a packed descriptor. */
    public static final int DESC_FLAGS = 14;

    public static final int F_AVAIL = 1 << 7;
    public static final int F_USED = 1 << 15;

    public static final int EVENT_OFF_WRAP = 0;
    public static final int EVENT_FLAGS = 2;
    public static final int EVENT_F_ENABLE = 0;
    public static final int EVENT_F_DISABLE = 1;
    /** Notify when the descriptor named by {@code off_wrap} is reached (needs EVENT_IDX). */
    public static final int EVENT_F_DESC = 2;
    public static final int WRAP_BIT = 1 << 15;

    private PackedRingLayout() {
    }

    public static long descRingSize(int size) {
        return (long) size * RingLayout.DESC_SIZE;
    }

    public static long descOffset(int index) {
        return (long) index * RingLayout.DESC_SIZE;
    }

    /** Flags that say "available" to a reader whose wrap counter is {@code wrap}: AVAIL == wrap, USED != wrap. */
    public static int availFlags(boolean wrap) {
        return wrap ? F_AVAIL : F_USED;
    }

    /** Flags that say "used" for wrap counter {@code wrap}: AVAIL == USED == wrap. */
    public static int usedFlags(boolean wrap) {
        return wrap ? (F_AVAIL | F_USED) : 0;
    }

    public static boolean isAvailable(int flags, boolean wrap) {
        return ((flags & F_AVAIL) != 0) == wrap && ((flags & F_USED) != 0) != wrap;
    }

    public static boolean isUsed(int flags, boolean wrap) {
        return ((flags & F_AVAIL) != 0) == wrap && ((flags & F_USED) != 0) == wrap;
    }
}
