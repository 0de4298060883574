package io.virtwire.vhostuser.protocol;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * GET_CONFIG or SET_CONFIG: an access to [offset, offset + contents.length) of the device config space.
 * For GET_CONFIG the contents are the front-end's placeholder (QEMU sends zeros) and only the length matters.
 *
 * @param flags {@link #FLAG_WRITABLE_FIELDS} (0) or {@link #FLAG_LIVE_MIGRATION} (1), per the spec's values
 *              (rust-vmm encodes them as bits 0x1/0x2; QEMU and this codec follow the spec)
 */
public record ConfigSpace(FrontendRequest request, int offset, int flags, byte[] contents) implements FrontendMessage {

    public static final int FLAG_WRITABLE_FIELDS = 0;
    public static final int FLAG_LIVE_MIGRATION = 1;

    public ConfigSpace {
        if (request != FrontendRequest.GET_CONFIG && request != FrontendRequest.SET_CONFIG) {
            throw new IllegalArgumentException(request + " is not GET_CONFIG or SET_CONFIG");
        }
        contents = contents.clone();
        if (contents.length == 0) {
            throw new IllegalArgumentException("config access size is 0");
        }
        if (offset < 0 || offset > WireLimits.MAX_CONFIG_SIZE - contents.length) {
            throw new IllegalArgumentException("config access offset " + Integer.toUnsignedString(offset) + " + size "
                    + contents.length + " exceeds the " + WireLimits.MAX_CONFIG_SIZE + "-byte config space limit");
        }
        if (flags != FLAG_WRITABLE_FIELDS && flags != FLAG_LIVE_MIGRATION) {
            throw new IllegalArgumentException("config flags " + Integer.toUnsignedString(flags)
                    + " are neither 0 (writable fields) nor 1 (live migration)");
        }
    }

    public int size() {
        return contents.length;
    }

    @Override
    public byte[] contents() {
        return contents.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConfigSpace c && request == c.request && offset == c.offset && flags == c.flags
                && Arrays.equals(contents, c.contents);
    }

    @Override
    public int hashCode() {
        return ((request.hashCode() * 31 + offset) * 31 + flags) * 31 + Arrays.hashCode(contents);
    }

    @Override
    public String toString() {
        return "ConfigSpace[" + request + ", offset=" + offset + ", flags=" + flags + ", contents="
                + HexFormat.of().formatHex(contents) + "]";
    }
}
