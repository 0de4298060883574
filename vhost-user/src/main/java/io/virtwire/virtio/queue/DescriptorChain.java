package io.virtwire.virtio.queue;

import io.virtwire.memory.GuestMemory;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static io.virtwire.virtio.queue.RingLayout.DESC_SIZE;
import static io.virtwire.virtio.queue.RingLayout.F_NEXT;
import static io.virtwire.virtio.queue.RingLayout.F_WRITE;

/**
 * One descriptor chain taken from a queue: a reusable flyweight, filled by {@link SplitQueue#pop} or
 * {@link PackedQueue#pop} and copied from/to by the device. It holds the validated result (segments, the
 * readable/writable split, the packed ring descriptors for inflight, an IOTLB miss) and the per-descriptor checks;
 * the walks themselves are {@link SplitChainWalker} and {@link PackedChainWalker}, each reading a descriptor
 * into a {@link Descriptor} value.
 *
 * <p>The queue walks the whole chain when it takes it, before the device sees any of it. Each 16-byte descriptor
 * is read from guest memory exactly once into a {@link Descriptor}, validated, and its (address, length) kept here; the
 * guest can change the ring afterwards without effect (no TOCTOU). A chain that breaks a rule therefore never
 * reaches the device half-walked: {@code pop} answers {@link ChainStatus#MALFORMED} and this chain stays empty.
 *
 * <p>The rules, with their source:
 * <ul>
 *   <li>at most queue-size descriptors per chain, counting descriptors inside an indirect table (split: "a driver
 *       MUST NOT create a descriptor chain longer than the Queue Size"; this is also the loop guard);</li>
 *   <li>{@code next} below the queue size, or below the entry count inside an indirect table;</li>
 *   <li>INDIRECT only in the ring/table the queue owns, never inside an indirect table (no nesting), never
 *       together with NEXT; the table's length a non-zero multiple of 16 with at most queue-size entries,
 *       entirely inside guest memory. A table may cross from one region into an adjacent one: each entry is
 *       read per region (DPDK copies such a table; we read the entry in pieces instead of refusing it);</li>
 *   <li>device-readable descriptors first, device-writable after ("device-writable descriptors follow
 *       device-readable ones");</li>
 *   <li>the lengths summed in a long, the total must fit the u32 used length (spec: a chain is at most 2^32 bytes);</li>
 *   <li>every buffer entirely inside guest memory (it may cross adjacent regions).</li>
 * </ul>
 * Zero-length descriptors are accepted and kept (the spec does not forbid them and some drivers emit them);
 * nothing is read or written through them, so their address is not checked.
 *
 * <p>Storage grows on demand up to the longest chain seen (at most the queue size), so steady-state use allocates
 * nothing. A chain belongs to one thread.
 */
public final class DescriptorChain {

    private static final int INITIAL_CAPACITY = 64;
    private static final long MAX_CHAIN_BYTES = 0xFFFF_FFFFL;

    private long[] addrs = new long[INITIAL_CAPACITY];
    private long[] ringAddrs = new long[INITIAL_CAPACITY];
    private int[] ringLens = new int[INITIAL_CAPACITY];
    private int[] ringIdFlags = new int[INITIAL_CAPACITY];
    private int[] lens = new int[INITIAL_CAPACITY];
    private int count;
    private int firstWritable;
    private long readableBytes;
    private long writableBytes;
    private int id;
    private int ringSlots;
    private GuestMemory memory = GuestMemory.empty();
    /** Where device-writable segments live: the same object as {@link #memory} unless an IOMMU view is in use. */
    private GuestMemory writeMemory = memory;
    /** ACCESS_PLATFORM: an unmapped address is an IOTLB miss (wait and ask), not a malformed chain. */
    private boolean translating;
    private boolean missed;
    private long missIova;
    private boolean missWrite;
    private ChainStatus status = ChainStatus.END;
    /** The region holding the chain's one buffer when {@link #addOnlySegment} took it, else -1 (then looked up). */
    private int onlyRegion = -1;
    private String malformedReason;

    /**
     * {@link ChainStatus#OK} after a successful pop, {@link ChainStatus#END} when the last pop found nothing,
     * {@link ChainStatus#MALFORMED} when it found a broken chain.
     */
    public ChainStatus status() {
        return status;
    }

    /** Why the last load was malformed, or null. */
    public String malformedReason() {
        return malformedReason;
    }

    /** Split ring: the head descriptor index. Packed ring: the buffer ID from the chain's last descriptor. */
    public int id() {
        return id;
    }

    /** Packed ring: how many ring slots the chain occupies (the used descriptor skips this many). Split: 1. */
    public int ringSlots() {
        return ringSlots;
    }

    /** The guest memory the chain's addresses refer to. */
    public GuestMemory memory() {
        return memory;
    }

    public int segmentCount() {
        return count;
    }

    /** Number of leading device-readable segments; the rest are device-writable. */
    public int readableCount() {
        return firstWritable;
    }

    public long segmentAddress(int i) {
        checkSegment(i);
        return addrs[i];
    }

    public long segmentLength(int i) {
        checkSegment(i);
        return Integer.toUnsignedLong(lens[i]);
    }

    public boolean segmentWritable(int i) {
        checkSegment(i);
        return i >= firstWritable;
    }

    public long readableBytes() {
        return readableBytes;
    }

    public long writableBytes() {
        return writableBytes;
    }

    /**
     * The index, in {@link #memory()}, of the region that holds the whole device-readable part when that part is
     * one buffer (the usual transmitted frame: header and data together); -1 when it is several buffers, none, or
     * a buffer that crosses into the next region, and when the chain is not OK. With the guest-physical address
     * {@code segmentAddress(0)}, this lets a device batch plain region copies (see CopyBatch in virtio.net).
     */
    public int readableRegion() {
        if (firstWritable != 1) {
            return -1;
        }
        return count == 1 && onlyRegion >= 0 ? onlyRegion : regionHolding(memory, 0);
    }

    /**
     * As {@link #readableRegion()} for the device-writable part, in {@link #writeMemory()}: the region holding it
     * when it is one buffer (the usual receive buffer), else -1. Its address is {@code segmentAddress(readableCount())}.
     */
    public int writableRegion() {
        if (count - firstWritable != 1) {
            return -1;
        }
        return firstWritable == 0 && onlyRegion >= 0 ? onlyRegion : regionHolding(writeMemory, firstWritable);
    }

    /** The guest memory the chain's device-writable buffers are in: {@link #memory()} unless an IOMMU view is used. */
    public GuestMemory writeMemory() {
        return writeMemory;
    }

    private int regionHolding(GuestMemory mem, int segment) {
        if (status != ChainStatus.OK) {
            return -1;
        }
        long gpa = addrs[segment];
        int region = mem.regionIndex(gpa);
        if (region < 0 || mem.regionEnd(region) - gpa < Integer.toUnsignedLong(lens[segment])) {
            return -1;
        }
        return region;
    }

    // ---- copies ----

    /**
     * Copies device-readable chain bytes, starting {@code chainOffset} bytes into the readable part, into
     * {@code dst}. Allocation-free; crosses segment and region boundaries.
     *
     * @return bytes copied: {@code min(length, readableBytes - chainOffset)}, or 0 if the chain is not OK
     */
    public long copyFromReadable(long chainOffset, MemorySegment dst, long dstOffset, long length) {
        // The usual frame is one buffer: skip the segment loop, which C2 leaves out of line (docs/benchmarks.md, 12).
        if (firstWritable == 1 && chainOffset == 0 && length > 0 && length <= readableBytes && status == ChainStatus.OK) {
            return GuestCopy.fromGuest(memory, addrs[0], dst, dstOffset, length); // one buffer (the usual frame)
        }
        return copy(0, firstWritable, chainOffset, dst, dstOffset, length, true);
    }

    /**
     * Copies {@code src} into the device-writable part of the chain, starting {@code chainOffset} bytes into it.
     *
     * @return bytes copied: {@code min(length, writableBytes - chainOffset)}, or 0 if the chain is not OK
     */
    public long copyToWritable(long chainOffset, MemorySegment src, long srcOffset, long length) {
        if (count - firstWritable == 1 && chainOffset == 0 && length > 0 && length <= writableBytes && status == ChainStatus.OK) {
            return GuestCopy.toGuest(writeMemory, src, srcOffset, addrs[firstWritable], length); // one buffer
        }
        return copy(firstWritable, count, chainOffset, src, srcOffset, length, false);
    }

    private long copy(int from, int to, long chainOffset, MemorySegment buffer, long bufferOffset, long length, boolean fromGuest) {
        if (status != ChainStatus.OK || length <= 0 || chainOffset < 0) {
            return 0;
        }
        long skip = chainOffset;
        long done = 0;
        for (int i = from; i < to && done < length; i++) {
            long segLen = Integer.toUnsignedLong(lens[i]);
            if (skip >= segLen) {
                skip -= segLen;
                continue;
            }
            long n = Math.min(segLen - skip, length - done);
            long gpa = addrs[i] + skip;
            long copied = fromGuest
                    ? GuestCopy.fromGuest(memory, gpa, buffer, bufferOffset + done, n)
                    : GuestCopy.toGuest(writeMemory, buffer, bufferOffset + done, gpa, n);
            done += copied;
            if (copied < n) {
                break; // memory table changed under a chain in flight; never touch what is not mapped
            }
            skip = 0;
        }
        return done;
    }

    // ---- loading (called by the queues) ----

    /** Starts a walk (or an empty chain): nothing taken yet, buffers checked against {@code readMem}/{@code writeMem}. */
    void begin(ChainStatus newStatus, GuestMemory readMem, GuestMemory writeMem, boolean iommu) {
        clear(newStatus, readMem, writeMem, iommu);
    }

    /** The walker's record of the buffer ID ({@link #id()}) and the ring slots the chain occupies ({@link #ringSlots()}). */
    void taken(int bufferId, int slots) {
        id = bufferId;
        ringSlots = slots;
    }

    void clear(ChainStatus newStatus, GuestMemory mem) {
        clear(newStatus, mem, mem, false);
    }

    void clear(ChainStatus newStatus, GuestMemory readMem, GuestMemory writeMem, boolean iommu) {
        GuestMemory mem = readMem;
        writeMemory = writeMem;
        translating = iommu;
        missed = false;
        count = 0;
        firstWritable = 0;
        readableBytes = 0;
        writableBytes = 0;
        onlyRegion = -1;
        id = 0;
        ringSlots = 0;
        memory = mem;
        status = newStatus;
        malformedReason = null;
    }

    /** Ends a walk: the chain is empty and MALFORMED with {@code reason}. */
    ChainStatus malformed(String reason) {
        onlyRegion = -1;
        count = 0;
        firstWritable = 0;
        readableBytes = 0;
        writableBytes = 0;
        status = ChainStatus.MALFORMED;
        malformedReason = reason;
        return ChainStatus.MALFORMED;
    }

    /** Marks this chain as the product of a queue that is already broken. */
    void setBroken(String reason, GuestMemory mem) {
        clear(ChainStatus.MALFORMED, mem);
        malformedReason = reason;
    }

    /** Packed: the ring descriptor just read, as it was read (inflight tracking stores it, spec DescStatePacked). */
    void keepRingDescriptor(int i, Descriptor d) {
        if (i == ringAddrs.length) {
            int grown = Math.min(Math.max(i * 2, INITIAL_CAPACITY), RingLayout.MAX_QUEUE_SIZE);
            ringAddrs = Arrays.copyOf(ringAddrs, grown);
            ringLens = Arrays.copyOf(ringLens, grown);
            ringIdFlags = Arrays.copyOf(ringIdFlags, grown);
        }
        ringAddrs[i] = d.addr;
        ringLens[i] = (int) d.len;
        ringIdFlags[i] = d.nextOrId | d.flags << 16;
    }

    /**
     * Packed ring, after an OK pop: descriptor {@code i} (0 ≤ i &lt; {@link #ringSlots()}) as it sat in the ring
     * when the chain was taken (for an indirect chain, the one descriptor naming the table). Kept so inflight
     * tracking can record the chain without reading guest memory again.
     */
    public long ringDescriptorAddress(int i) {
        checkRingSlot(i);
        return ringAddrs[i];
    }

    public long ringDescriptorLength(int i) {
        checkRingSlot(i);
        return Integer.toUnsignedLong(ringLens[i]);
    }

    public int ringDescriptorId(int i) {
        checkRingSlot(i);
        return ringIdFlags[i] & 0xFFFF;
    }

    public int ringDescriptorFlags(int i) {
        checkRingSlot(i);
        return ringIdFlags[i] >>> 16;
    }

    private void checkRingSlot(int i) {
        if (status != ChainStatus.OK || i < 0 || i >= ringSlots) {
            throw new IndexOutOfBoundsException("ring descriptor " + i + " of a chain occupying " + ringSlots + " slots");
        }
    }

    /**
     * Checks the indirect descriptor {@code d} (its table: length, entry count, mapped) for the walker that read
     * it; an error message naming the rule, or null.
     */
    String checkIndirectTable(Descriptor d, GuestMemory mem, int size, int head) {
        if ((d.flags & F_NEXT) != 0) {
            return "indirect descriptor with NEXT set at head " + head + " (the spec forbids INDIRECT together with NEXT)";
        }
        if (d.len == 0 || d.len % DESC_SIZE != 0) {
            return "indirect table length " + d.len + " is not a non-zero multiple of 16, head " + head;
        }
        if (d.len / DESC_SIZE > size) {
            return "indirect table of " + d.len / DESC_SIZE + " entries exceeds queue size " + size + ", head " + head;
        }
        if (!mem.isMapped(d.addr, d.len)) {
            if (translating && recordMiss(mem, false, d)) {
                return "IOTLB miss reading the indirect table at iova 0x" + Long.toHexString(missIova) + ", head " + head;
            }
            return "indirect table gpa 0x" + Long.toHexString(d.addr) + " length " + d.len + " is outside guest memory, head " + head;
        }
        return null;
    }

    /**
     * The usual frame, as its own small method so it inlines into the walk: {@code d} (neither NEXT nor INDIRECT)
     * is the whole chain. Takes it if it is a non-empty buffer inside one guest memory region, and keeps that region
     * for {@link #readableRegion()}/{@link #writableRegion()}; false, with nothing taken, otherwise, and then
     * {@link #addSegment} takes it or says what is wrong with it.
     */
    boolean addOnlySegment(Descriptor d) {
        boolean writable = (d.flags & F_WRITE) != 0;
        GuestMemory target = writable ? writeMemory : memory;
        int region = target.regionIndex(d.addr);
        if (d.len == 0 || region < 0 || target.regionEnd(region) - d.addr < d.len) {
            return false;
        }
        onlyRegion = region;
        addrs[0] = d.addr;
        lens[0] = (int) d.len;
        count = 1;
        if (writable) {
            writableBytes = d.len;
        } else {
            readableBytes = d.len;
            firstWritable = 1;
        }
        return true;
    }

    /**
     * Adds the buffer descriptor {@code d} as the next segment, checked: readable before writable, at most
     * queue-size buffers, at most 2^32-1 bytes in all, inside guest memory; an error message, or null.
     */
    String addSegment(Descriptor d, GuestMemory mem, int size, int head) {
        boolean writable = (d.flags & F_WRITE) != 0;
        if (!writable && firstWritable != count) {
            return "device-readable descriptor after a device-writable one, head " + head;
        }
        if (count == size) {
            return "chain has more than queue size " + size + " buffers, head " + head;
        }
        if (readableBytes + writableBytes + d.len > MAX_CHAIN_BYTES) {
            return "chain length exceeds 2^32-1 bytes at head " + head;
        }
        GuestMemory target = writable ? writeMemory : mem;
        if (d.len != 0 && !target.isMapped(d.addr, d.len)) {
            if (translating && recordMiss(target, writable, d)) {
                return "IOTLB miss at iova 0x" + Long.toHexString(missIova) + (writable ? " (write)" : " (read)") + ", head " + head;
            }
            return "buffer gpa 0x" + Long.toHexString(d.addr) + " length " + d.len + " is outside guest memory, head " + head;
        }
        if (count == addrs.length) {
            int grown = Math.min(Math.max(count * 2, INITIAL_CAPACITY), RingLayout.MAX_QUEUE_SIZE);
            addrs = Arrays.copyOf(addrs, grown);
            lens = Arrays.copyOf(lens, grown);
        }
        addrs[count] = d.addr;
        lens[count] = (int) d.len;
        count++;
        if (writable) {
            writableBytes += d.len;
        } else {
            readableBytes += d.len;
            firstWritable = count;
        }
        return null;
    }

    /** The current descriptor's range is not (fully) in {@code view}: remember where, if it is a miss at all. */
    private boolean recordMiss(GuestMemory view, boolean write, Descriptor d) {
        long at = IovaMemory.firstUnmapped(view, d.addr, d.len);
        if (at < 0) {
            return false; // every byte is mapped but the range wraps 2^64: malformed, not a miss
        }
        missed = true;
        missIova = at;
        missWrite = write;
        return true;
    }

    /** Whether the last load stopped at an IOTLB miss (then {@link #status()} is MALFORMED until the queue resets it). */
    boolean iotlbMissed() {
        return missed;
    }

    long missIova() {
        return missIova;
    }

    boolean missWrite() {
        return missWrite;
    }

    private void checkSegment(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("segment " + i + " of a chain with " + count + " segments");
        }
    }
}
