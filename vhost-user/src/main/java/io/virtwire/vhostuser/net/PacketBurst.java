package io.virtwire.vhostuser.net;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A preallocated burst of Ethernet frames (without virtio-net header): {@link #capacity()} slots of
 * {@link #SLOT_SIZE} bytes in one off-heap segment, and their lengths. Ports fill it and drain it; nothing is
 * allocated per packet. One thread at a time.
 *
 * <p>Each slot is preceded by {@link #HEADROOM} bytes that belong to whichever port currently handles the frame:
 * a vhost-user port puts the virtio-net header there, so header and frame move between guest memory and the
 * burst in one copy instead of two.
 */
public final class PacketBurst {

    /** Largest frame a slot holds: DPDK's VIRTIO_MAX_RX_PKTLEN, enough for 9000-byte MTU jumbo frames. */
    public static final int SLOT_SIZE = 9728;
    public static final int DEFAULT_CAPACITY = 32;
    /** Scratch bytes in front of every frame (a virtio-net header needs 12); keeps frames 64-byte aligned. */
    public static final int HEADROOM = 64;
    private static final int STRIDE = SLOT_SIZE + HEADROOM;

    private final MemorySegment data;
    private final int[] lengths;
    private int count;

    public PacketBurst() {
        this(DEFAULT_CAPACITY);
    }

    public PacketBurst(int capacity) {
        if (capacity < 1 || capacity > 4096) {
            throw new IllegalArgumentException("burst capacity " + capacity + " is outside 1..4096");
        }
        // freed with the burst by the GC: bursts live as long as their port or forwarder
        this.data = Arena.ofAuto().allocate((long) capacity * STRIDE, 64);
        this.lengths = new int[capacity];
    }

    public int capacity() {
        return lengths.length;
    }

    public int count() {
        return count;
    }

    public boolean isFull() {
        return count == lengths.length;
    }

    public void clear() {
        count = 0;
    }

    /**
     * The segment holding every slot; frame {@code i} starts at {@link #offset(int)}, with {@link #HEADROOM} bytes of
     * scratch before it.
     */
    public MemorySegment data() {
        return data;
    }

    public long offset(int i) {
        return (long) i * STRIDE + HEADROOM;
    }

    public int length(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("frame " + i + " of a burst holding " + count);
        }
        return lengths[i];
    }

    /** Claims the next slot for a frame of {@code length} bytes to be written at {@link #offset(int)}; returns its index. */
    public int append(int length) {
        if (length < 0 || length > SLOT_SIZE) {
            throw new IllegalArgumentException("frame length " + length + " is outside 0.." + SLOT_SIZE);
        }
        if (count == lengths.length) {
            throw new IllegalStateException("burst is full (" + lengths.length + " frames)");
        }
        lengths[count] = length;
        return count++;
    }

    /** Gives back the slot claimed last (a frame found invalid after it was copied in). */
    public void removeLast() {
        if (count == 0) {
            throw new IllegalStateException("burst is empty");
        }
        count--;
    }

    /** Copies a frame in (tests, packet sources). */
    public int add(byte[] frame) {
        int i = append(frame.length);
        MemorySegment.copy(frame, 0, data, java.lang.foreign.ValueLayout.JAVA_BYTE, offset(i), frame.length);
        return i;
    }

    /** Copies frame {@code i} out (tests). */
    public byte[] frame(int i) {
        byte[] out = new byte[length(i)];
        MemorySegment.copy(data, java.lang.foreign.ValueLayout.JAVA_BYTE, offset(i), out, 0, out.length);
        return out;
    }
}
