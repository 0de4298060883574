package io.virtwire.vhostuser.memory;

import io.virtwire.memory.GuestMemory;
import io.virtwire.memory.GuestRegion;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The device IOTLB of one vhost-user session (VIRTIO_F_ACCESS_PLATFORM): IOVA ranges the front-end's IOMMU mapped
 * to its user addresses, with read/write permission. Entries never overlap: an update first removes whatever part
 * of older entries it covers (the newest translation of an IOVA wins, as an IOMMU has only one), and an
 * invalidation trims or drops what it covers. Control plane only (the session thread); the data path sees
 * immutable {@link View}s built from it.
 *
 * <p>Bounded: past {@link #MAX_ENTRIES} the whole cache is dropped (DPDK evicts at random); the device then misses
 * and asks again, which is slow but correct.
 */
public final class IotlbCache {

    /** Permission bits as in {@code struct vhost_iotlb_msg}. */
    public static final int READ = 1;
    public static final int WRITE = 2;

    public static final int MAX_ENTRIES = 8192;

    /** One translation: [iova, iova + size) → [userAddr, userAddr + size), with {@code perm} (READ | WRITE bits). */
    public record Entry(long iova, long size, long userAddr, int perm) {
        long end() {
            return iova + size; // may be 0 for a range ending at 2^64
        }
    }

    /** The two views a queue needs, with IOVAs in the "guest-physical" role. */
    public record View(GuestMemory readable, GuestMemory writable) {
    }

    private final TreeMap<Long, Entry> entries = new TreeMap<>(Long::compareUnsigned);

    public int size() {
        return entries.size();
    }

    public List<Entry> entries() {
        return List.copyOf(entries.values());
    }

    public void clear() {
        entries.clear();
    }

    /**
     * Adds a translation, replacing any older one for the same IOVAs.
     *
     * @param memory the current memory table: every byte of the user range must be in it (the spec: "addresses
     *               and size must be within vhost memory regions")
     * @throws IllegalArgumentException naming the range if it is empty, wraps, has no permission, or is not memory
     */
    public void update(long iova, long size, long userAddr, int perm, GuestMemory memory) {
        if (size == 0 || Long.compareUnsigned(iova, -size) > 0 || Long.compareUnsigned(userAddr, -size) > 0) {
            throw new IllegalArgumentException("IOTLB update iova 0x" + Long.toHexString(iova) + " size 0x"
                    + Long.toHexString(size) + " user address 0x" + Long.toHexString(userAddr) + " is empty or wraps");
        }
        if ((perm & (READ | WRITE)) == 0 || (perm & ~(READ | WRITE)) != 0) {
            throw new IllegalArgumentException("IOTLB update iova 0x" + Long.toHexString(iova) + " has permission " + perm
                    + ", expected 1 (read), 2 (write) or 3");
        }
        long at = userAddr;
        long left = size;
        while (left > 0) {
            GuestRegion r = regionOfUserAddr(memory, at);
            if (r == null) {
                throw new IllegalArgumentException("IOTLB update iova 0x" + Long.toHexString(iova) + " size 0x"
                        + Long.toHexString(size) + ": user address 0x" + Long.toHexString(at) + " is in no memory region");
            }
            long chunk = Math.min(left, r.size() - (at - r.userAddr()));
            at += chunk;
            left -= chunk;
        }
        remove(iova, size);
        if (entries.size() >= MAX_ENTRIES) {
            entries.clear();
        }
        entries.put(iova, new Entry(iova, size, userAddr, perm));
    }

    /** Removes every translation of [iova, iova + size); size 0 (or a range wrapping 2^64) means up to the end. */
    public void invalidate(long iova, long size) {
        remove(iova, size);
    }

    private void remove(long iova, long size) {
        long end = size == 0 || Long.compareUnsigned(iova, -size) > 0 ? 0 : iova + size; // 0: up to 2^64
        List<Entry> keep = new ArrayList<>(2);
        // the entry starting below iova may reach into the range
        Map.Entry<Long, Entry> below = entries.lowerEntry(iova);
        Iterator<Entry> it = (below != null ? entries.tailMap(below.getKey(), true) : entries.tailMap(iova, true))
                .values().iterator();
        while (it.hasNext()) {
            Entry e = it.next();
            if (end != 0 && Long.compareUnsigned(e.iova(), end) >= 0) {
                break;
            }
            boolean overlaps = e.end() == 0 || Long.compareUnsigned(e.end(), iova) > 0;
            if (!overlaps) {
                continue;
            }
            it.remove();
            if (Long.compareUnsigned(e.iova(), iova) < 0) {
                keep.add(new Entry(e.iova(), iova - e.iova(), e.userAddr(), e.perm()));
            }
            if (end != 0 && (e.end() == 0 || Long.compareUnsigned(e.end(), end) > 0)) {
                long cut = end - e.iova();
                keep.add(new Entry(end, e.size() - cut, e.userAddr() + cut, e.perm()));
            }
        }
        for (Entry e : keep) {
            entries.put(e.iova(), e);
        }
    }

    /** The translation holding {@code iova}, or null. */
    public Entry lookup(long iova) {
        Map.Entry<Long, Entry> e = entries.floorEntry(iova);
        if (e == null) {
            return null;
        }
        Entry x = e.getValue();
        return Long.compareUnsigned(iova - x.iova(), x.size()) < 0 ? x : null;
    }

    /**
     * The readable and writable IOVA views over {@code memory}'s mappings. Entries adjacent in both IOVA and user
     * address within one region are merged, so a ring the IOMMU mapped page by page is still one contiguous slice.
     * Parts whose user address is no longer in {@code memory} (a region removed since) are left out: the device
     * misses there and asks again.
     */
    public View view(GuestMemory memory) {
        return new View(view(memory, READ), view(memory, WRITE));
    }

    private GuestMemory view(GuestMemory memory, int perm) {
        List<GuestRegion> out = new ArrayList<>();
        long curIova = 0;
        long curSize = 0;
        long curUser = 0;
        GuestRegion curRegion = null;
        for (Entry e : entries.values()) {
            if ((e.perm() & perm) == 0) {
                continue;
            }
            long at = 0;
            while (Long.compareUnsigned(at, e.size()) < 0) {
                long user = e.userAddr() + at;
                long iova = e.iova() + at;
                GuestRegion r = regionOfUserAddr(memory, user);
                long left = e.size() - at;
                if (r == null) {
                    break;
                }
                long chunk = Long.compareUnsigned(left, r.size() - (user - r.userAddr())) < 0 ? left : r.size() - (user - r.userAddr());
                if (curRegion == r && curIova + curSize == iova && curUser + curSize == user) {
                    curSize += chunk;
                } else {
                    if (curRegion != null) {
                        out.add(slice(curRegion, curIova, curSize, curUser));
                    }
                    curRegion = r;
                    curIova = iova;
                    curSize = chunk;
                    curUser = user;
                }
                at += chunk;
            }
        }
        if (curRegion != null) {
            out.add(slice(curRegion, curIova, curSize, curUser));
        }
        return new GuestMemory(out);
    }

    private static GuestRegion slice(GuestRegion r, long iova, long size, long user) {
        MemorySegment s = r.segment().asSlice(user - r.userAddr(), size);
        return new GuestRegion(iova, size, user, s);
    }

    private static GuestRegion regionOfUserAddr(GuestMemory memory, long userAddr) {
        for (int i = 0; i < memory.regionCount(); i++) {
            GuestRegion r = memory.region(i);
            if (r.containsUserAddr(userAddr)) {
                return r;
            }
        }
        return null;
    }
}
