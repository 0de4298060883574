package io.virtwire.vhostuser.backend;

import io.virtwire.linux.ErrnoException;
import io.virtwire.linux.Fd;
import io.virtwire.memory.GuestMemory;
import io.virtwire.vhostuser.memory.GuestMemoryHolder;
import io.virtwire.vhostuser.memory.GuestMemoryMapper;
import io.virtwire.vhostuser.memory.IotlbCache;
import io.virtwire.vhostuser.memory.MemoryTable;
import io.virtwire.vhostuser.memory.RegionDescription;
import io.virtwire.vhostuser.protocol.FrontendRequest;
import io.virtwire.vhostuser.protocol.IotlbMsg;
import io.virtwire.vhostuser.protocol.MemoryRegionDesc;
import io.virtwire.vhostuser.protocol.SingleMemoryRegion;
import io.virtwire.vhostuser.transport.ReceivedFds;
import io.virtwire.virtio.queue.IovaMemory;

import java.util.ArrayList;
import java.util.List;

/**
 * The guest memory of one session: the memory table (SET_MEM_TABLE, ADD_MEM_REG, REM_MEM_REG) and the device
 * IOTLB (IOTLB_MSG). It hands the queue assembler the memory a ring is built on, plain or translated
 * ({@link RingMemory}).
 *
 * <p>A change that maps or unmaps a region returns the new {@link GuestMemory}: every ring was paused for it
 * (ALL_QUEUES), so the old table is unmapped at once, and the caller rebuilds the rings on the new one. A change
 * that keeps every mapping (a region added or removed again by the next queue pair) returns null: nothing was
 * paused, nothing is unmapped.
 */
final class SessionMemory implements AutoCloseable {

    /**
     * GET_MAX_MEM_SLOTS: 509, the Linux vhost default {@code max_mem_regions} and the former KVM user memory slot
     * limit (rust-vmm's vhost-user-backend answers the same). Every region is one mapping, found by binary search.
     */
    static final int MAX_MEM_SLOTS = 509;

    private final GuestMemoryHolder holder = new GuestMemoryHolder();
    private final IotlbCache iotlb = new IotlbCache();
    /** Built from {@link #iotlb} and the table when a ring starts under ACCESS_PLATFORM; null when stale. */
    private IotlbCache.View iovaView;

    GuestMemory memory() {
        return holder.memory();
    }

    boolean isEmpty() {
        return holder.table().regionCount() == 0;
    }

    // ------------------------------------------------------------------------------------------ memory table

    /** Whether SET_MEM_TABLE describes the table in force, region by region and file by file. */
    boolean repeats(io.virtwire.vhostuser.protocol.MemoryTable table, ReceivedFds fds) throws ErrnoException {
        return GuestMemoryMapper.sameTable(holder.table(), descriptions(table), borrowed(table, fds));
    }

    /**
     * Whether ADD_MEM_REG adds a region already mapped identically, or REM_MEM_REG removes one that is held more
     * than once: either only changes a hold count, so no ring needs to stop.
     */
    boolean repeats(SingleMemoryRegion r, ReceivedFds fds) throws ErrnoException {
        if (r.request() == FrontendRequest.ADD_MEM_REG) {
            return GuestMemoryMapper.findIdentical(holder.table(), description(r.region()), fds.get(0)) >= 0;
        }
        int i = GuestMemoryMapper.indexOf(holder.table(), description(r.region()));
        return i >= 0 && holder.table().holds(i) > 1;
    }

    /** SET_MEM_TABLE; null if the table in force was sent again (DPDK: "memory regions not changed", a no-op). */
    GuestMemory setTable(io.virtwire.vhostuser.protocol.MemoryTable table, ReceivedFds fds) throws ErrnoException {
        List<RegionDescription> regions = descriptions(table);
        List<Fd> borrowed = borrowed(table, fds);
        if (GuestMemoryMapper.sameTable(holder.table(), regions, borrowed)) {
            return null; // the duplicate fds close with the message
        }
        // the mappings outlive the fds, which close with the message
        return install(GuestMemoryMapper.map(regions, borrowed));
    }

    /**
     * ADD_MEM_REG. The same region again (every field and the same file, by st_dev/st_ino of the fd) is what QEMU
     * 7.2 sends for each further queue pair of a multiqueue NIC (before ADD/REM_MEM_REG joined its per-device
     * list): it is counted, its duplicate fd closes with the message, and nothing is remapped. Anything else that
     * overlaps a mapped region in the front-end's address space is refused, as DPDK's vhost_user_add_mem_reg
     * refuses every overlap (DPDK relies on QEMU sending each region once, which QEMU 7.2 does not).
     */
    GuestMemory addRegion(MemoryRegionDesc region, Fd fd) throws ErrnoException, RequestFailedException {
        MemoryTable current = holder.table();
        int same = GuestMemoryMapper.findIdentical(current, description(region), fd);
        if (same >= 0) {
            keepMappings(GuestMemoryMapper.hold(current, same));
            return null;
        }
        if (current.regionCount() >= MAX_MEM_SLOTS) {
            throw new RequestFailedException("already " + MAX_MEM_SLOTS + " memory regions (GET_MAX_MEM_SLOTS)");
        }
        return install(GuestMemoryMapper.add(current, description(region), fd));
    }

    /**
     * REM_MEM_REG, matched on gpa, size and user address (spec: "The mmap offset is ignored"). A region added
     * several times identically stays mapped until its last REM_MEM_REG: QEMU 7.2 sends one per queue pair as it
     * sent the ADD_MEM_REG, so counting them is what keeps the first pair's rings running.
     */
    GuestMemory removeRegion(MemoryRegionDesc region) {
        MemoryTable current = holder.table();
        int i = GuestMemoryMapper.indexOf(current, description(region));
        if (i >= 0 && current.holds(i) > 1) {
            keepMappings(GuestMemoryMapper.remove(current, description(region)));
            return null;
        }
        return install(GuestMemoryMapper.remove(current, description(region)));
    }

    /** Every ring is stopped (ALL_QUEUES pause), so the old table can be unmapped at once. */
    private GuestMemory install(MemoryTable next) {
        iovaView = null;
        holder.retire(holder.swap(next));
        return next.memory();
    }

    /**
     * Installs a table with exactly the mappings of the current one (only hold counts differ): no ring was paused
     * and none needs to restart, since every segment a running ring uses stays mapped through the new table.
     */
    private void keepMappings(MemoryTable next) {
        holder.retire(holder.swap(next));
    }

    private static List<RegionDescription> descriptions(io.virtwire.vhostuser.protocol.MemoryTable table) {
        List<RegionDescription> regions = new ArrayList<>(table.regions().size());
        for (MemoryRegionDesc d : table.regions()) {
            regions.add(description(d));
        }
        return regions;
    }

    private static List<Fd> borrowed(io.virtwire.vhostuser.protocol.MemoryTable table, ReceivedFds fds) {
        List<Fd> borrowed = new ArrayList<>(table.regions().size());
        for (int i = 0; i < table.regions().size(); i++) {
            borrowed.add(fds.get(i));
        }
        return borrowed;
    }

    private static RegionDescription description(MemoryRegionDesc d) {
        return new RegionDescription(d.gpa(), d.size(), d.userAddr(), d.mmapOffset());
    }

    // ------------------------------------------------------------------------------------------ IOTLB

    /**
     * IOTLB_MSG update or invalidate (every ring is paused); the rings are then rebuilt on a view of the new cache.
     *
     * @throws IllegalArgumentException for an update outside guest memory or a cache that is full
     */
    void applyIotlb(IotlbMsg m) {
        if (m.type() == IotlbMsg.Type.UPDATE) {
            iotlb.update(m.iova(), m.size(), m.userAddr(), m.permission().wire(), holder.memory());
        } else {
            iotlb.invalidate(m.iova(), m.size());
        }
        iovaView = null;
    }

    /** RESET_DEVICE: the translations go with the device. */
    void resetIotlb() {
        iotlb.clear();
        iovaView = null;
    }

    // ------------------------------------------------------------------------------------------ for the rings

    /**
     * The memory a ring starting now is built on: guest-physical memory, or under ACCESS_PLATFORM the readable and
     * writable IOVA views of the IOTLB, whose misses go to {@code onMiss}.
     */
    RingMemory forRings(boolean accessPlatform, IovaMemory.MissListener onMiss) {
        if (!accessPlatform) {
            return new RingMemory.Plain(holder.memory());
        }
        if (iovaView == null) {
            iovaView = iotlb.view(holder.memory());
        }
        return new RingMemory.Translated(new IovaMemory(iovaView.readable(), iovaView.writable(), onMiss));
    }

    @Override
    public void close() {
        holder.close();
    }
}
