package io.virtwire.forwarder.switching;

import io.virtwire.forwarder.metrics.DropReason;
import io.virtwire.virtio.net.PacketBurst;
import io.virtwire.virtio.net.TcpFrame;
import io.virtwire.virtio.net.TcpSegmenter;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One worker's staging bursts, one per destination slot, filled by the switch and flushed after each received
 * burst, so a port is written once per burst rather than once per frame. A slot's burst is allocated the first
 * time a frame goes there and then kept.
 */
public final class EgressBuffers {

    private final PortTable table;
    private final PacketBurst[] bursts = new PacketBurst[PortTable.MAX_PORTS];
    private final int[] touched = new int[PortTable.MAX_PORTS];
    private final boolean[] isTouched = new boolean[PortTable.MAX_PORTS];
    private int touchedCount;
    private final TcpFrame tcp = new TcpFrame();
    private final TcpSegmenter segmenter = new TcpSegmenter();
    private final SwitchedFrame frame = new SwitchedFrame();
    private MemorySegment scratch;

    public EgressBuffers(PortTable table) {
        this.table = table;
    }

    /** The staging burst for {@code slot}, with room for one more frame. */
    public PacketBurst burstFor(int slot) {
        PacketBurst b = bursts[slot];
        if (b == null) {
            SwitchPort p = table.get(slot);
            b = new PacketBurst(PacketBurst.DEFAULT_CAPACITY,
                    p != null && p.largeFrames() ? PacketBurst.LARGE_SLOT_SIZE : PacketBurst.SLOT_SIZE);
            bursts[slot] = b;
        }
        if (b.isFull()) {
            flush(slot);
        }
        if (!isTouched[slot]) {
            isTouched[slot] = true;
            touched[touchedCount++] = slot;
        }
        return b;
    }

    /** This worker's classified frame, refilled for every frame it switches. */
    SwitchedFrame frame() {
        return frame;
    }

    /** This worker's header parser (offloaded frames' MTU checks). */
    TcpFrame tcpFrame() {
        return tcp;
    }

    /** This worker's software segmenter. */
    TcpSegmenter segmenter() {
        return segmenter;
    }

    /** A buffer for one retagged GSO frame before it is segmented; allocated on first use, then kept. */
    MemorySegment scratch() {
        if (scratch == null) {
            scratch = Arena.ofAuto().allocate(PacketBurst.LARGE_SLOT_SIZE, 64);
        }
        return scratch;
    }

    public void flushAll() {
        for (int i = 0; i < touchedCount; i++) {
            int slot = touched[i];
            isTouched[slot] = false;
            flush(slot);
        }
        touchedCount = 0;
    }

    private void flush(int slot) {
        PacketBurst b = bursts[slot];
        int count = b.count();
        if (count == 0) {
            return;
        }
        SwitchPort out = table.get(slot);
        if (out != null) {
            send(out, b);
        }
        b.clear();
    }

    /** Sends {@code burst} through {@code out} and counts what left and what was dropped. */
    public static void send(SwitchPort out, PacketBurst burst) {
        int count = burst.count();
        if (!out.port().isUp()) {
            out.counters().dropped(DropReason.PORT_DOWN, count);
            return;
        }
        int sent = out.port().transmit(burst);
        counted(out, count, sent, burst.leadingBytes(sent));
    }

    /** Counts on {@code out} a send of {@code count} frames of which {@code sent} ({@code sentBytes}) left. */
    public static void counted(SwitchPort out, int count, int sent, long sentBytes) {
        out.counters().transmitted(sent, sentBytes);
        out.counters().dropped(DropReason.NO_BUFFERS, count - sent);
    }
}
