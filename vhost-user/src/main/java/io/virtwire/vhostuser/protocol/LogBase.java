package io.virtwire.vhostuser.protocol;

/**
 * SET_LOG_BASE with LOG_SHMFD: the dirty log lives at [offset, offset + size) of the attached fd.
 * Non-zero size and no wrap-around (CVE-2020-10722: DPDK mapped a tiny area after {@code size + offset}
 * overflowed and then wrote past it).
 */
public record LogBase(long size, long offset) implements FrontendMessage {

    public LogBase {
        if (size == 0) {
            throw new IllegalArgumentException("log size is 0");
        }
        if (Unsigned.rangeWraps(offset, size)) {
            throw new IllegalArgumentException("log offset " + Unsigned.hex(offset) + " + size " + Unsigned.hex(size)
                    + " wraps around 2^64");
        }
    }

    @Override
    public FrontendRequest request() {
        return FrontendRequest.SET_LOG_BASE;
    }

    @Override
    public String toString() {
        return "LogBase[size=" + Unsigned.hex(size) + ", offset=" + Unsigned.hex(offset) + "]";
    }
}
