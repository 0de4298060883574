package io.virtwire.virtio.net;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A preallocated burst of Ethernet frames, each with its virtio-net header: {@link #capacity()} slots of
 * {@link #slotSize()} bytes in one off-heap segment, and their lengths. Ports fill it and drain it; nothing is
 * allocated per packet. One thread at a time.
 *
 * <p>Each slot is preceded by {@link #HEADROOM} bytes. The last {@link VirtioNetHeader#SIZE} of them hold the
 * frame's virtio-net header (v1 layout, {@link #headerOffset(int)}): the offloads it carries (partial checksum,
 * TCP segmentation) travel with the frame from port to port; a frame without offloads has a zero header
 * ({@link #append} writes one). num_buffers is not the frame's business (it belongs to the receiving device) and
 * is 0. Because the header sits right in front of the frame, a vhost-user port moves header and frame between
 * guest memory and the burst in one copy, and a TAP port in one read or write.
 *
 * <p>Slots: {@link #SLOT_SIZE} (9728, jumbo frames) by default; ports that exchange TCP segmentation offload use
 * bursts of {@link #LARGE_SLOT_SIZE} so a 64 KiB GSO frame fits one slot.
 */
public final class PacketBurst {

    /** Largest frame a default slot holds: DPDK's VIRTIO_MAX_RX_PKTLEN, enough for 9000-byte MTU jumbo frames. */
    public static final int SLOT_SIZE = 9728;
    /**
     * Slot for GSO frames: an IPv6 payload of 65535 bytes plus IPv6, 802.1Q and Ethernet headers (65593), rounded
     * up; the stride is not a multiple of 4 KiB, so the slots' first lines do not all share one cache set.
     */
    public static final int LARGE_SLOT_SIZE = 65536 + 128;
    public static final int DEFAULT_CAPACITY = 32;
    /** Bytes in front of every frame: the virtio-net header's 12 at the end; keeps frames 64-byte aligned. */
    public static final int HEADROOM = 64;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    private final MemorySegment data;
    private final int[] lengths;
    private final int slotSize;
    private final long stride;
    private int count;
    /**
     * The lengths of frames {@code 0..count-1} summed, kept as frames come and go, so that everyone who counts a
     * burst's bytes (the device's ring counters, the worker's receive counter, the egress counter) reads this
     * one number instead of summing the lengths again.
     */
    private long bytes;

    public PacketBurst() {
        this(DEFAULT_CAPACITY);
    }

    public PacketBurst(int capacity) {
        this(capacity, SLOT_SIZE);
    }

    /** @param slotSize {@link #SLOT_SIZE} or {@link #LARGE_SLOT_SIZE} (or anything in 64..{@link #LARGE_SLOT_SIZE}) */
    public PacketBurst(int capacity, int slotSize) {
        if (capacity < 1 || capacity > 4096) {
            throw new IllegalArgumentException("burst capacity " + capacity + " is outside 1..4096");
        }
        if (slotSize < 64 || slotSize > LARGE_SLOT_SIZE || slotSize % 64 != 0) {
            throw new IllegalArgumentException("slot size " + slotSize + " is outside 64.." + LARGE_SLOT_SIZE
                    + " or not a multiple of 64");
        }
        this.slotSize = slotSize;
        this.stride = slotSize + HEADROOM;
        // freed with the burst by the GC: bursts live as long as their port or forwarder
        this.data = Arena.ofAuto().allocate((long) capacity * stride, 64);
        this.lengths = new int[capacity];
    }

    public int capacity() {
        return lengths.length;
    }

    /** Largest frame one slot holds. */
    public int slotSize() {
        return slotSize;
    }

    public int count() {
        return count;
    }

    public boolean isFull() {
        return count == lengths.length;
    }

    public void clear() {
        count = 0;
        bytes = 0;
    }

    /** The Ethernet bytes of the frames in this burst (headers not counted): the lengths summed. */
    public long bytes() {
        return bytes;
    }

    /**
     * The Ethernet bytes of frames {@code 0..n-1}: what a partly sent burst counts as sent (a port says how many
     * frames left, not which). The running total when {@code n} is every frame, else the lengths summed.
     */
    public long leadingBytes(int n) {
        if (n == count) {
            return bytes;
        }
        long sum = 0;
        for (int i = 0; i < n; i++) {
            sum += length(i);
        }
        return sum;
    }

    /**
     * The segment holding every slot; frame {@code i} starts at {@link #offset(int)}, its header at
     * {@link #headerOffset(int)}, with {@link #HEADROOM} bytes of scratch before the frame.
     */
    public MemorySegment data() {
        return data;
    }

    public long offset(int i) {
        return i * stride + HEADROOM;
    }

    /** Where frame {@code i}'s virtio-net header ({@link VirtioNetHeader#SIZE} bytes) starts: right before the frame. */
    public long headerOffset(int i) {
        return i * stride + (HEADROOM - VirtioNetHeader.SIZE);
    }

    /** Whether frame {@code i}'s header asks for anything (flags or gso_type set): one load, no allocation. */
    public boolean hasOffload(int i) {
        return data.get(SHORT, headerOffset(i) + VirtioNetHeader.FLAGS) != 0;
    }

    public int length(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("frame " + i + " of a burst holding " + count);
        }
        return lengths[i];
    }

    /**
     * Claims the next slot for a frame of {@code length} bytes to be written at {@link #offset(int)}, with a zero
     * header (no offloads); returns its index.
     */
    public int append(int length) {
        if (length < 0 || length > slotSize) {
            throw new IllegalArgumentException("frame length " + length + " is outside 0.." + slotSize);
        }
        if (count == lengths.length) {
            throw new IllegalStateException("burst is full (" + lengths.length + " frames)");
        }
        long h = count * stride + (HEADROOM - VirtioNetHeader.SIZE);
        data.set(LONG, h, 0L);
        data.set(INT, h + 8, 0);
        lengths[count] = length;
        bytes += length;
        return count++;
    }

    /** Gives back the slot claimed last (a frame found invalid after it was copied in). */
    public void removeLast() {
        if (count == 0) {
            throw new IllegalStateException("burst is empty");
        }
        count--;
        bytes -= lengths[count];
    }

    /** Keeps only the first {@code newCount} frames. */
    public void truncate(int newCount) {
        if (newCount < 0 || newCount > count) {
            throw new IllegalArgumentException("cannot truncate a burst of " + count + " frames to " + newCount);
        }
        for (int i = newCount; i < count; i++) {
            bytes -= lengths[i];
        }
        count = newCount;
    }

    /**
     * Moves frame {@code from} (header, frame and length) into slot {@code to}, below it: closes the gap a dropped
     * frame left. The frame that was in {@code to} is gone; slot {@code from} is left empty (length 0) until
     * overwritten or truncated away.
     */
    public void moveFrame(int from, int to) {
        int length = length(from);
        if (to < 0 || to >= from) {
            throw new IllegalArgumentException("frame " + from + " can only move to a lower slot, not " + to);
        }
        MemorySegment.copy(data, headerOffset(from), data, headerOffset(to), VirtioNetHeader.SIZE + (long) length);
        bytes -= lengths[to];
        lengths[to] = length;
        lengths[from] = 0;
    }

    /** Changes the length of the frame claimed last (a port learned it after copying). */
    public void setLastLength(int length) {
        if (count == 0) {
            throw new IllegalStateException("burst is empty");
        }
        if (length < 0 || length > slotSize) {
            throw new IllegalArgumentException("frame length " + length + " is outside 0.." + slotSize);
        }
        bytes += length - lengths[count - 1];
        lengths[count - 1] = length;
    }

    /** Copies a frame in (tests, packet sources), with a zero header. */
    public int add(byte[] frame) {
        int i = append(frame.length);
        MemorySegment.copy(frame, 0, data, ValueLayout.JAVA_BYTE, offset(i), frame.length);
        return i;
    }

    /** Sets frame {@code i}'s header (num_buffers stays 0). */
    public void setHeader(int i, int flags, int gsoType, int hdrLen, int gsoSize, int csumStart, int csumOffset) {
        length(i);
        new VirtioNetHeader().wrap(data, headerOffset(i)).flags(flags).gsoType(gsoType).hdrLen(hdrLen)
                .gsoSize(gsoSize).csumStart(csumStart).csumOffset(csumOffset).numBuffers(0);
    }

    /** Copies frame {@code i} out (tests). */
    public byte[] frame(int i) {
        byte[] out = new byte[length(i)];
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, offset(i), out, 0, out.length);
        return out;
    }
}
