package io.virtwire.vhostuser.protocol;

/**
 * SET_VRING_KICK, SET_VRING_CALL, SET_VRING_ERR: a u64 with the vring index in bits 0-7 and the NOFD flag in
 * bit 8; the other bits are undefined and rejected. The fd itself stays with the caller: one is attached
 * exactly when {@code noFd} is false ({@link FdPolicy#ONE_UNLESS_NOFD}).
 *
 * @param noFd true: no fd attached; for KICK this means "poll the ring", for CALL "the front-end polls"
 */
public record VringFile(FrontendRequest request, int index, boolean noFd) implements FrontendMessage {

    public static final long INDEX_MASK = 0xFF;
    public static final long NOFD_FLAG = 0x100;

    public VringFile {
        if (request.fdPolicy() != FdPolicy.ONE_UNLESS_NOFD) {
            throw new IllegalArgumentException(request + " is not SET_VRING_KICK, SET_VRING_CALL or SET_VRING_ERR");
        }
        if (index < 0 || index > INDEX_MASK) {
            throw new IllegalArgumentException("vring index " + index + " does not fit in bits 0-7");
        }
    }

    /** Decodes the u64 payload. */
    public static VringFile fromU64(FrontendRequest request, long value) {
        long undefined = value & ~(INDEX_MASK | NOFD_FLAG);
        if (undefined != 0) {
            throw new IllegalArgumentException("payload " + Unsigned.hex(value) + " has bits " + Unsigned.hex(undefined)
                    + " set; only the index (bits 0-7) and NOFD (bit 8) are defined");
        }
        return new VringFile(request, (int) (value & INDEX_MASK), (value & NOFD_FLAG) != 0);
    }

    public long toU64() {
        return index | (noFd ? NOFD_FLAG : 0);
    }
}
