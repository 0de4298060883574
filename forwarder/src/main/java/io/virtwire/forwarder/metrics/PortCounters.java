package io.virtwire.forwarder.metrics;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counters of one port or queue. Updated once per burst (never per packet) by whichever worker touches the port;
 * an atomic add per burst costs little and keeps several workers transmitting to one port exact. "rx" is what the
 * forwarder received from the port, "tx" what it sent out through it.
 */
public final class PortCounters {

    private static final int RX_PACKETS = 0;
    private static final int RX_BYTES = 1;
    private static final int TX_PACKETS = 2;
    private static final int TX_BYTES = 3;
    private static final int ERRORS = 4;
    private static final int DROPS = 5;
    private static final int SIZE = DROPS + DropReason.values().length;

    private final AtomicLongArray values = new AtomicLongArray(SIZE);

    public void received(long packets, long bytes) {
        values.getAndAdd(RX_PACKETS, packets);
        values.getAndAdd(RX_BYTES, bytes);
    }

    public void transmitted(long packets, long bytes) {
        values.getAndAdd(TX_PACKETS, packets);
        values.getAndAdd(TX_BYTES, bytes);
    }

    public void dropped(DropReason reason, long packets) {
        if (packets != 0) {
            values.getAndAdd(DROPS + reason.ordinal(), packets);
        }
    }

    public void error(long n) {
        values.getAndAdd(ERRORS, n);
    }

    public long rxPackets() {
        return values.get(RX_PACKETS);
    }

    public long rxBytes() {
        return values.get(RX_BYTES);
    }

    public long txPackets() {
        return values.get(TX_PACKETS);
    }

    public long txBytes() {
        return values.get(TX_BYTES);
    }

    public long errors() {
        return values.get(ERRORS);
    }

    public long drops(DropReason reason) {
        return values.get(DROPS + reason.ordinal());
    }

    public long totalDrops() {
        long sum = 0;
        for (DropReason r : DropReason.values()) {
            sum += drops(r);
        }
        return sum;
    }

    /** The control API's view: {rxPackets, rxBytes, txPackets, txBytes, errors, drops:{reason:n}}. */
    public Map<String, Object> snapshot() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rxPackets", rxPackets());
        m.put("rxBytes", rxBytes());
        m.put("txPackets", txPackets());
        m.put("txBytes", txBytes());
        m.put("errors", errors());
        Map<String, Long> drops = new LinkedHashMap<>();
        for (DropReason r : DropReason.values()) {
            drops.put(r.jsonName(), drops(r));
        }
        m.put("drops", drops);
        return m;
    }
}
