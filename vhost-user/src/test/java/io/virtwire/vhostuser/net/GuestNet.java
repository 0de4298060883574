package io.virtwire.vhostuser.net;

import io.virtwire.linux.EventFd;
import io.virtwire.memory.GuestMemory;
import io.virtwire.vhostuser.frontend.Frontend;
import io.virtwire.vhostuser.frontend.GuestRam;
import io.virtwire.vhostuser.frontend.driver.DriverBuffer;
import io.virtwire.vhostuser.frontend.driver.DriverPackedQueue;
import io.virtwire.vhostuser.frontend.driver.DriverSplitQueue;
import io.virtwire.vhostuser.frontend.driver.UsedElement;
import io.virtwire.virtio.net.VirtioNetHeader;
import io.virtwire.virtio.queue.GuestCopy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The guest's virtio-net driver for one queue pair, over the existing driver rings: transmits frames with a
 * 12-byte header in its own descriptor (header and data in different regions), posts receive buffers (the first
 * one straddling the boundary between two memfd regions), and reassembles merged receive buffers.
 */
final class GuestNet implements AutoCloseable {

    private interface Ring {
        int add(DriverBuffer... buffers);

        void publish();

        UsedElement pollUsed();
    }

    private static final int HEADER = 12;
    /** RX buffers start 0x300 below the LOW/NEXT region boundary at 1 MiB, so the first crosses it. */
    private static final long RX_AREA = 0x10_0000 - 0x300;
    /** Up to the end of the 64 KiB NEXT region. */
    private static final long RX_AREA_SIZE = 0x11_0000 - RX_AREA;
    private static final long TX_AREA = 0x1_0000_0000L;
    private static final long TX_SLOT = 0x2800; // header at +0, up to 9 KB of frame at +0x100
    /** Transmit slots per pair: two pairs share the 1 MiB HIGH region. */
    private static final int TX_SLOTS = 48;

    private final GuestMemory memory;
    private final Ring rx;
    private final Ring tx;
    final EventFd rxKick = EventFd.create();
    final EventFd rxCall = EventFd.create();
    final EventFd txKick = EventFd.create();
    final EventFd txCall = EventFd.create();
    private final Map<Integer, long[]> rxBuffers = new HashMap<>();
    private final long rxArea;
    private final long rxAreaSize;
    private final long txArea;
    private long rxNext;
    private int txNext;
    private final boolean mergeable;
    /** Receive buffers the device gave back shorter than a header (no frame in them), which {@link #receive()} skips. */
    int shortBuffers;
    /** The header of every frame {@link #receive()} returned, in order. */
    final List<byte[]> headers = new ArrayList<>();

    /** Lays out the rings at {@code ringBase} in LOW and starts them (rings 2*pair and 2*pair+1). */
    GuestNet(Frontend frontend, GuestRam ram, int pair, int size, boolean packed, boolean mergeable, long ringBase)
            throws Exception {
        this.memory = ram.memory();
        this.mergeable = mergeable;
        // pair 0's receive buffers straddle the LOW/NEXT boundary; other pairs get 128 KiB in LOW above the rings
        this.rxArea = pair == 0 ? RX_AREA : 0x40000 + (pair - 1) * 0x20000L;
        this.rxAreaSize = pair == 0 ? RX_AREA_SIZE : 0x20000;
        this.rxNext = rxArea;
        this.txArea = TX_AREA + pair * (TX_SLOTS * TX_SLOT);
        long rxBase = ringBase;
        long txBase = ringBase + 0x8000;
        if (packed) {
            DriverPackedQueue r = new DriverPackedQueue(memory, size, rxBase, rxBase + 0x4000, rxBase + 0x5000);
            DriverPackedQueue t = new DriverPackedQueue(memory, size, txBase, txBase + 0x4000, txBase + 0x5000);
            rx = packedRing(r);
            tx = packedRing(t);
            frontend.startPackedQueue(2 * pair, r, 0x8000 | 0x8000L << 16, rxKick, rxCall);
            frontend.startPackedQueue(2 * pair + 1, t, 0x8000 | 0x8000L << 16, txKick, txCall);
        } else {
            DriverSplitQueue r = new DriverSplitQueue(memory, size, rxBase, rxBase + 0x2000, rxBase + 0x3000);
            DriverSplitQueue t = new DriverSplitQueue(memory, size, txBase, txBase + 0x2000, txBase + 0x3000);
            rx = splitRing(r);
            tx = splitRing(t);
            frontend.startSplitQueue(2 * pair, r, 0, rxKick, rxCall);
            frontend.startSplitQueue(2 * pair + 1, t, 0, txKick, txCall);
        }
    }

    private static Ring splitRing(DriverSplitQueue q) {
        return new Ring() {
            public int add(DriverBuffer... b) {
                return q.addChain(b);
            }

            public void publish() {
                q.publish();
            }

            public UsedElement pollUsed() {
                return q.pollUsed();
            }
        };
    }

    private static Ring packedRing(DriverPackedQueue q) {
        return new Ring() {
            public int add(DriverBuffer... b) {
                return q.addChain(b);
            }

            public void publish() {
                // packed descriptors become available as they are written
            }

            public UsedElement pollUsed() {
                return q.pollUsed();
            }
        };
    }

    /** Posts {@code count} receive buffers of {@code length} bytes each and kicks. */
    void postReceiveBuffers(int count, int length) throws Exception {
        for (int i = 0; i < count; i++) {
            if (rxNext + length > rxArea + rxAreaSize) {
                rxNext = rxArea; // earlier buffers here have been used and reaped by now
            }
            long gpa = rxNext;
            rxNext += length;
            int id = rx.add(DriverBuffer.writable(gpa, length));
            rxBuffers.put(id, new long[] {gpa, length});
        }
        rx.publish();
        rxKick.signal();
    }

    /** Transmits one frame (header and data in separate descriptors, in the HIGH region), then kicks. */
    void send(byte[] frame) throws Exception {
        send(new byte[HEADER], frame);
    }

    /** Transmits one frame with {@code header} (12 bytes: flags, gso_type, hdr_len ... as the device will see them). */
    void send(byte[] header, byte[] frame) throws Exception {
        long slot = txArea + (txNext++ % TX_SLOTS) * TX_SLOT;
        write(slot, header);
        write(slot + 0x100, frame);
        tx.add(DriverBuffer.readable(slot, HEADER), DriverBuffer.readable(slot + 0x100, frame.length));
        tx.publish();
        txKick.signal();
    }

    /**
     * Transmits one frame with header and data in one descriptor, as Linux and DPDK drivers do with VERSION_1
     * (the device's usual case), in this pair's next transmit slot; then kicks.
     */
    void sendOneBuffer(byte[] header, byte[] frame) throws Exception {
        sendOneBufferAt(txArea + (txNext++ % TX_SLOTS) * TX_SLOT, header, frame);
    }

    /** As {@link #sendOneBuffer} at guest-physical {@code gpa} (say, across a region boundary). */
    void sendOneBufferAt(long gpa, byte[] header, byte[] frame) throws Exception {
        byte[] buffer = new byte[header.length + frame.length];
        System.arraycopy(header, 0, buffer, 0, header.length);
        System.arraycopy(frame, 0, buffer, header.length, frame.length);
        write(gpa, buffer);
        tx.add(DriverBuffer.readable(gpa, buffer.length));
        tx.publish();
        txKick.signal();
    }

    /** Transmit completions seen so far. */
    int reapTransmitted() {
        int n = 0;
        while (tx.pollUsed() != null) {
            n++;
        }
        return n;
    }

    /** Frames the device has delivered, header stripped, merged buffers joined. */
    List<byte[]> receive() {
        List<byte[]> frames = new ArrayList<>();
        UsedElement first;
        while ((first = rx.pollUsed()) != null) {
            long[] buf = rxBuffers.remove(first.id());
            if (first.length() < HEADER) {
                shortBuffers++; // given back without a frame: dropped, as Linux and DPDK drivers do
                continue;
            }
            byte[] hdr = read(buf[0], HEADER);
            headers.add(hdr);
            int numBuffers = mergeable ? Short.toUnsignedInt(ByteBuffer.wrap(hdr).order(ByteOrder.LITTLE_ENDIAN).getShort(10)) : 1;
            ByteBuffer frame = ByteBuffer.allocate(64 * 1024);
            frame.put(read(buf[0] + HEADER, (int) first.length() - HEADER));
            for (int i = 1; i < numBuffers; i++) {
                UsedElement more = rx.pollUsed();
                if (more == null) {
                    throw new AssertionError("header says " + numBuffers + " buffers, only " + i + " used");
                }
                long[] b = rxBuffers.remove(more.id());
                frame.put(read(b[0], (int) more.length()));
            }
            byte[] out = new byte[frame.position()];
            frame.flip().get(out);
            frames.add(out);
        }
        return frames;
    }

    private void write(long gpa, byte[] bytes) {
        if (GuestCopy.toGuest(memory, MemorySegment.ofArray(bytes), 0, gpa, bytes.length) != bytes.length) {
            throw new IllegalArgumentException("gpa 0x" + Long.toHexString(gpa) + " outside guest memory");
        }
    }

    private byte[] read(long gpa, int length) {
        byte[] out = new byte[length];
        MemorySegment dst = MemorySegment.ofArray(out);
        if (GuestCopy.fromGuest(memory, gpa, dst, 0, length) != length) {
            throw new IllegalArgumentException("gpa 0x" + Long.toHexString(gpa) + " outside guest memory");
        }
        return out;
    }

    /** The receive header of a frame in one buffer, without offloads: all zero but num_buffers 1. */
    static byte[] oneBufferHeader() {
        byte[] h = new byte[VirtioNetHeader.SIZE];
        h[VirtioNetHeader.NUM_BUFFERS] = 1;
        return h;
    }

    /**
     * What a recycled receive buffer may hold where its next header goes: garbage, each part of the header wrong
     * alone (flags, csum_offset, num_buffers low and high byte), and the right header itself.
     */
    static byte[][] staleHeaders() {
        byte[] garbage = new byte[VirtioNetHeader.SIZE];
        Arrays.fill(garbage, (byte) 0xA5);
        byte[][] stale = {garbage, oneBufferHeader(), oneBufferHeader(), oneBufferHeader(), oneBufferHeader(),
                new byte[VirtioNetHeader.SIZE], oneBufferHeader()};
        stale[1][0] = 1;
        stale[2][8] = 6;
        stale[3][VirtioNetHeader.NUM_BUFFERS] = 2;
        stale[4][VirtioNetHeader.NUM_BUFFERS + 1] = 1;
        return stale;
    }

    static byte[] frame(int length, int seed) {
        byte[] f = new byte[length];
        for (int i = 0; i < length; i++) {
            f[i] = (byte) (seed * 31 + i);
        }
        return f;
    }

    @Override
    public void close() {
        rxKick.close();
        rxCall.close();
        txKick.close();
        txCall.close();
    }
}
