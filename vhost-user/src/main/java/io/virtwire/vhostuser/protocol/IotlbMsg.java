package io.virtwire.vhostuser.protocol;

/**
 * IOTLB_MSG ({@code struct vhost_iotlb_msg}). A front-end sends only UPDATE and INVALIDATE; MISS and
 * ACCESS_FAIL travel the other way (BackendRequest.IOTLB_MSG).
 *
 * <p>UPDATE must describe a non-empty range whose IOVA and user address ends do not wrap (the Linux vhost
 * driver rejects the same). INVALIDATE uses only iova and size, and size 0 is accepted: QEMU computes it as
 * {@code addr_mask + 1}, which wraps to 0 for a whole-space invalidation. An INVALIDATE keeps no user address
 * or permission (both read as 0 / NONE): QEMU sends whatever was on its stack there.
 */
public record IotlbMsg(long iova, long size, long userAddr, Permission permission, Type type) implements FrontendMessage {

    /** The spec's "permissions flags" (u8). */
    public enum Permission {
        NONE(0), READ(1), WRITE(2), READ_WRITE(3);

        private final int wire;

        Permission(int wire) {
            this.wire = wire;
        }

        public int wire() {
            return wire;
        }

        public static Permission ofWire(int value) {
            for (Permission p : values()) {
                if (p.wire == value) {
                    return p;
                }
            }
            throw new IllegalArgumentException("IOTLB permission " + value + " is not 0..3");
        }
    }

    /** The spec's "IOTLB message type" (u8). */
    public enum Type {
        MISS(1), UPDATE(2), INVALIDATE(3), ACCESS_FAIL(4);

        private final int wire;

        Type(int wire) {
            this.wire = wire;
        }

        public int wire() {
            return wire;
        }

        public static Type ofWire(int value) {
            for (Type t : values()) {
                if (t.wire == value) {
                    return t;
                }
            }
            throw new IllegalArgumentException("IOTLB message type " + value + " is not 1..4");
        }
    }

    public IotlbMsg {
        if (type != Type.UPDATE && type != Type.INVALIDATE) {
            throw new IllegalArgumentException("IOTLB message type " + type + " is sent by the back-end, not the front-end");
        }
        if (type == Type.INVALIDATE) {
            // only iova and size mean anything; QEMU leaves the rest uninitialised, so it is not kept
            userAddr = 0;
            permission = Permission.NONE;
        }
        if (type == Type.UPDATE) {
            if (size == 0) {
                throw new IllegalArgumentException("IOTLB update has size 0");
            }
            if (Unsigned.rangeWraps(iova, size)) {
                throw new IllegalArgumentException("IOTLB update iova " + Unsigned.hex(iova) + " + size " + Unsigned.hex(size)
                        + " wraps around 2^64");
            }
            if (Unsigned.rangeWraps(userAddr, size)) {
                throw new IllegalArgumentException("IOTLB update user address " + Unsigned.hex(userAddr) + " + size "
                        + Unsigned.hex(size) + " wraps around 2^64");
            }
        }
    }

    @Override
    public FrontendRequest request() {
        return FrontendRequest.IOTLB_MSG;
    }

    @Override
    public String toString() {
        return "IotlbMsg[" + type + ", iova=" + Unsigned.hex(iova) + ", size=" + Unsigned.hex(size) + ", userAddr="
                + Unsigned.hex(userAddr) + ", " + permission + "]";
    }
}
