package io.virtwire.vhostuser.memory;

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
    private final GuestMemory memory;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** Takes one reference on each of {@code regions}; the caller has already acquired them. */
    MemoryTable(List<MappedRegion> regions) {
        this.regions = List.copyOf(regions);
        List<GuestRegion> guest = new ArrayList<>(regions.size());
        for (MappedRegion r : regions) {
            guest.add(r.region());
        }
        this.memory = new GuestMemory(guest);
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
