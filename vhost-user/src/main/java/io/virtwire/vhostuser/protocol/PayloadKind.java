package io.virtwire.vhostuser.protocol;

/**
 * The payload layouts of QEMU docs/interop/vhost-user.rst, section "Payload", with the size bounds of each.
 * All fields are in native byte order (little-endian on the hosts we run on). Layouts whose C struct has
 * tail padding ({@code struct vhost_iotlb_msg}, {@code VhostUserInflight}) are sized as the C compiler lays
 * them out, because that is what QEMU puts in the header's size field.
 */
public enum PayloadKind {
    /** "N/A": no payload at all. */
    EMPTY(0, 0),
    /** A single u64. */
    U64(8, 8),
    /** Vring state: u32 index, u32 num. */
    VRING_STATE(8, 8),
    /** Vring address: u32 index, u32 flags, u64 desc, u64 used, u64 avail, u64 log. */
    VRING_ADDR(40, 40),
    /** Multiple memory regions: u32 num, u32 padding, then num regions of 4 x u64 (32 bytes). */
    MEMORY_REGIONS(8 + 32, 8 + 32 * WireLimits.MAX_MEM_TABLE_REGIONS),
    /** Single memory region: u64 padding, one 32-byte region. */
    SINGLE_MEMORY_REGION(40, 40),
    /** Log description: u64 size, u64 offset. */
    LOG(16, 16),
    /** {@code struct vhost_iotlb_msg}: u64 iova, u64 size, u64 uaddr, u8 perm, u8 type, 6 bytes tail padding. */
    IOTLB(32, 32),
    /** Config space: u32 offset, u32 size, u32 flags, then size bytes. */
    CONFIG(12 + 1, 12 + WireLimits.MAX_CONFIG_SIZE),
    /** Inflight description: u64 mmap size, u64 mmap offset, u16 num queues, u16 queue size, 4 bytes tail padding. */
    INFLIGHT(24, 24),
    /** A request this backend does not implement; its payload is never parsed. */
    UNSUPPORTED(0, 0);

    public static final int REGION_SIZE = 32;
    public static final int MEMORY_REGIONS_HEADER_SIZE = 8;
    public static final int CONFIG_HEADER_SIZE = 12;

    private final int minSize;
    private final int maxSize;

    PayloadKind(int minSize, int maxSize) {
        this.minSize = minSize;
        this.maxSize = maxSize;
    }

    public int minSize() {
        return minSize;
    }

    public int maxSize() {
        return maxSize;
    }

    public boolean isFixedSize() {
        return minSize == maxSize;
    }
}
