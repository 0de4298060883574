package io.virtwire.forwarder.switching;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * Learned (VLAN, MAC) → port slot, with aging. Open addressing over preallocated arrays, so lookups and refreshes
 * allocate nothing. Lookups take no lock; inserting a new address or flushing a port takes one (rare: once per new
 * station). A reader re-checks the key after reading the port, so an entry being replaced is seen as a miss
 * (the frame floods) rather than as the wrong port. Entries are never emptied, only marked stale and reused, so
 * probe chains stay intact.
 */
public final class MacTable {

    private static final long EMPTY = -1L;
    /** Key of an entry being rewritten: skipped by readers. */
    private static final long BUSY = -2L;
    private static final long STALE = Long.MIN_VALUE / 2;
    private static final VarHandle KEYS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle PORTS = MethodHandles.arrayElementVarHandle(int[].class);
    private static final VarHandle SEEN = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] keys;
    private final int[] ports;
    private final long[] seenNanos;
    private final int mask;
    private final long agingNanos;
    private long full;
    private int occupied;

    /** @param capacity rounded up to a power of two; the table refuses new addresses at 3/4 of it */
    public MacTable(int capacity, long agingNanos) {
        int size = Integer.highestOneBit(Math.max(16, capacity - 1)) << 1;
        this.keys = new long[size];
        this.ports = new int[size];
        this.seenNanos = new long[size];
        java.util.Arrays.fill(keys, EMPTY);
        this.mask = size - 1;
        this.agingNanos = agingNanos;
    }

    static long key(int vlan, long mac) {
        return ((long) vlan << 48) | (mac & 0xFFFF_FFFF_FFFFL);
    }

    private static int hash(long key) {
        long h = key * 0x9E37_79B9_7F4A_7C15L;
        return (int) (h ^ (h >>> 29));
    }

    /** The slot of the port {@code mac} was last seen on in {@code vlan}, or -1 (unknown or aged out). */
    public int lookup(int vlan, long mac, long nowNanos) {
        long key = key(vlan, mac);
        int i = hash(key) & mask;
        for (int probes = 0; probes <= mask; probes++, i = (i + 1) & mask) {
            long k = (long) KEYS.getAcquire(keys, i);
            if (k == EMPTY) {
                return -1;
            }
            if (k == key) {
                int port = (int) PORTS.getAcquire(ports, i);
                long seen = (long) SEEN.getAcquire(seenNanos, i);
                if ((long) KEYS.getAcquire(keys, i) != key || nowNanos - seen > agingNanos) {
                    return -1;
                }
                return port;
            }
        }
        return -1;
    }

    /** Records that {@code mac} sent from {@code slot} in {@code vlan}. */
    public void learn(int vlan, long mac, int slot, long nowNanos) {
        long key = key(vlan, mac);
        int i = hash(key) & mask;
        for (int probes = 0; probes <= mask; probes++, i = (i + 1) & mask) {
            long k = (long) KEYS.getAcquire(keys, i);
            if (k == EMPTY) {
                break;
            }
            if (k == key) {
                if ((int) PORTS.getAcquire(ports, i) != slot) {
                    PORTS.setRelease(ports, i, slot); // the station moved
                }
                SEEN.setRelease(seenNanos, i, nowNanos);
                return;
            }
        }
        insert(key, slot, nowNanos);
    }

    private synchronized void insert(long key, int slot, long nowNanos) {
        int i = hash(key) & mask;
        int reuse = -1;
        for (int probes = 0; probes <= mask; probes++, i = (i + 1) & mask) {
            long k = keys[i];
            if (k == key) {
                PORTS.setRelease(ports, i, slot);
                SEEN.setRelease(seenNanos, i, nowNanos);
                return;
            }
            if (k == EMPTY) {
                break;
            }
            if (reuse < 0 && nowNanos - seenNanos[i] > agingNanos) {
                reuse = i;
            }
        }
        if (reuse < 0) {
            if (keys[i] != EMPTY || occupied >= (mask + 1) * 3 / 4) {
                full++;
                return;
            }
            reuse = i;
            occupied++;
        }
        KEYS.setRelease(keys, reuse, BUSY);
        PORTS.setRelease(ports, reuse, slot);
        SEEN.setRelease(seenNanos, reuse, nowNanos);
        KEYS.setRelease(keys, reuse, key);
    }


    /** Forgets every address learned on {@code slot} (the port was removed). */
    public synchronized void flush(int slot) {
        for (int i = 0; i <= mask; i++) {
            if (keys[i] >= 0 && ports[i] == slot) {
                SEEN.setRelease(seenNanos, i, STALE);
            }
        }
    }

    /** Addresses the table could not learn because it was full. */
    public synchronized long refusedForSpace() {
        return full;
    }

    public record Entry(int vlan, long mac, int slot, long ageNanos) {
        public String macString() {
            return formatMac(mac);
        }
    }

    /** Live entries, for the control API (allocates; never on the data path). */
    public synchronized List<Entry> entries(long nowNanos) {
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i <= mask; i++) {
            long k = keys[i];
            if (k >= 0 && nowNanos - seenNanos[i] <= agingNanos) {
                out.add(new Entry((int) (k >>> 48), k & 0xFFFF_FFFF_FFFFL, ports[i], nowNanos - seenNanos[i]));
            }
        }
        return out;
    }

    public static String formatMac(long mac) {
        StringBuilder sb = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8) {
            if (sb.length() > 0) {
                sb.append(':');
            }
            int b = (int) (mac >>> shift) & 0xFF;
            sb.append(Character.forDigit(b >>> 4, 16)).append(Character.forDigit(b & 15, 16));
        }
        return sb.toString();
    }

    public static long parseMac(String text) {
        String[] parts = text.split(":");
        if (parts.length != 6) {
            throw new IllegalArgumentException("MAC address '" + text + "' is not six colon-separated hex bytes");
        }
        long mac = 0;
        for (String p : parts) {
            if (p.length() != 2) {
                throw new IllegalArgumentException("MAC address '" + text + "' is not six colon-separated hex bytes");
            }
            mac = (mac << 8) | Integer.parseInt(p, 16);
        }
        return mac;
    }
}
