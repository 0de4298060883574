package io.virtwire.vhostuser.memory;

import io.virtwire.memory.GuestMemory;
import io.virtwire.memory.GuestRegion;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One generation of the guest memory table: the {@link GuestMemory} the data path translates with, plus the
 * mappings behind it. Closing a table unmaps every region no newer table shares, all at once; any access
 * through its segments after that fails with {@link IllegalStateException} instead of touching freed memory.
 */
public final class MemoryTable implements AutoCloseable {

    private static final MemoryTable EMPTY = new MemoryTable(List.of());

    private final List<MappedRegion> regions;
    /**
     * Per region, how many ADD_MEM_REG it stands for (1 for SET_MEM_TABLE). QEMU 7.2 (before ADD/REM_MEM_REG joined its per-device list) sends ADD_MEM_REG and
     * REM_MEM_REG once per vhost device, i.e. once per queue pair of a virtio-net NIC (docs/vhost-user.md,
     * "Multiqueue"): an identical repeat is counted here and the region is unmapped by the last REM_MEM_REG.
     */
    private final int[] holds;
    private final GuestMemory memory;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** Takes one reference on each of {@code regions}; the caller has already acquired them. */
    MemoryTable(List<MappedRegion> regions) {
        this(regions, null);
    }

    /** As {@link #MemoryTable(List)}, with each region's hold count ({@code null}: 1 each). */
    MemoryTable(List<MappedRegion> regions, int[] holds) {
        if (holds != null && holds.length != regions.size()) {
            throw new IllegalArgumentException(holds.length + " hold counts for " + regions.size() + " regions");
        }
        this.holds = holds != null ? holds.clone() : filledWithOne(regions.size());
        this.regions = List.copyOf(regions);
        List<GuestRegion> guest = new ArrayList<>(regions.size());
        for (MappedRegion r : regions) {
            guest.add(r.region());
        }
        this.memory = new GuestMemory(guest);
    }

    private static int[] filledWithOne(int n) {
        int[] h = new int[n];
        java.util.Arrays.fill(h, 1);
        return h;
    }

    public static MemoryTable empty() {
        return EMPTY;
    }

    public GuestMemory memory() {
        return memory;
    }

    public int regionCount() {
        return regions.size();
    }

    /** The regions as the frontend described them, in the order they were added. */
    public List<RegionDescription> descriptions() {
        return regions.stream().map(MappedRegion::description).toList();
    }

    /** How many ADD_MEM_REG region {@code i} (in {@link #descriptions()} order) stands for. */
    public int holds(int i) {
        return holds[i];
    }

    int[] holdCounts() {
        return holds.clone();
    }

    List<MappedRegion> mappedRegions() {
        return regions;
    }

    public boolean isClosed() {
        return closed.get();
    }

    /** Releases this generation's mappings; idempotent. The empty table is never closed. */
    @Override
    public void close() {
        if (this != EMPTY && closed.compareAndSet(false, true)) {
            regions.forEach(MappedRegion::release);
        }
    }
}
