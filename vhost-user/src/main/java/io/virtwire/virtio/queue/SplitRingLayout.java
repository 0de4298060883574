package io.virtwire.virtio.queue;

/**
 * Offsets inside the three parts of a split virtqueue (virtio 1.x, "Split Virtqueues"), all little-endian.
 *
 * <pre>
 * Descriptor table (align 16)   size * 16 bytes
 *   +0  le64 addr | +8 le32 len | +12 le16 flags | +14 le16 next
 *
 * Available ring (align 2), written by the driver      6 + 2 * size bytes
 *   +0 le16 flags | +2 le16 idx | +4 le16 ring[size] | +4+2*size le16 used_event (EVENT_IDX only)
 *
 * Used ring (align 4), written by the device           6 + 8 * size bytes
 *   +0 le16 flags | +2 le16 idx | +4 {le32 id, le32 len} ring[size] | +4+8*size le16 avail_event (EVENT_IDX only)
 * </pre>
 */
public final class SplitRingLayout {

    public static final int DESC_TABLE_ALIGN = 16;
    public static final int AVAIL_ALIGN = 2;
    public static final int USED_ALIGN = 4;

    /** Offset of {@code le16 flags} in a split descriptor. */
    public static final int DESC_FLAGS = 12;
    /** Offset of {@code le16 next} in a split descriptor. */
    public static final int DESC_NEXT = 14;

    public static final int AVAIL_FLAGS = 0;
    public static final int AVAIL_IDX = 2;
    public static final int AVAIL_RING = 4;
    /** The driver asks the device not to interrupt (only meaningful without EVENT_IDX). */
    public static final int AVAIL_F_NO_INTERRUPT = 1;

    public static final int USED_FLAGS = 0;
    public static final int USED_IDX = 2;
    public static final int USED_RING = 4;
    public static final int USED_ELEM_SIZE = 8;
    public static final int USED_ELEM_ID = 0;
    public static final int USED_ELEM_LEN = 4;
    /** The device asks the driver not to kick (only meaningful without EVENT_IDX). */
    public static final int USED_F_NO_NOTIFY = 1;

    private SplitRingLayout() {
    }

    public static long descTableSize(int size) {
        return (long) size * RingLayout.DESC_SIZE;
    }

    /** Includes the trailing {@code used_event}, which the device reads only with EVENT_IDX but is always part of the layout. */
    public static long availRingSize(int size) {
        return 6L + 2L * size;
    }

    /** Includes the trailing {@code avail_event}. */
    public static long usedRingSize(int size) {
        return 6L + (long) USED_ELEM_SIZE * size;
    }

    public static long descOffset(int index) {
        return (long) index * RingLayout.DESC_SIZE;
    }

    /** Offset of {@code avail.ring[slot]}; {@code slot} is already reduced modulo the size. */
    public static long availRingOffset(int slot) {
        return AVAIL_RING + 2L * slot;
    }

    public static long usedEventOffset(int size) {
        return AVAIL_RING + 2L * size;
    }

    /** Offset of {@code used.ring[slot]}. */
    public static long usedElemOffset(int slot) {
        return USED_RING + (long) USED_ELEM_SIZE * slot;
    }

    public static long availEventOffset(int size) {
        return USED_RING + (long) USED_ELEM_SIZE * size;
    }

    /**
     * virtio's {@code vring_need_event}: whether moving an index from {@code oldIdx} to {@code newIdx} crossed
     * {@code eventIdx}, i.e. whether the other side asked to be told about this step. All arguments are u16.
     */
    public static boolean needEvent(int eventIdx, int newIdx, int oldIdx) {
        return RingLayout.u16(newIdx - eventIdx - 1) < RingLayout.u16(newIdx - oldIdx);
    }
}
