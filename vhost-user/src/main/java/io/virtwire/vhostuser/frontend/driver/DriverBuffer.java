package io.virtwire.vhostuser.frontend.driver;

/**
 * One buffer a guest driver puts into a chain.
 *
 * @param gpa      guest-physical address
 * @param length   u32 length (kept as long; a hostile test may pass any u32)
 * @param writable device-writable (VIRTQ_DESC_F_WRITE) rather than device-readable
 */
public record DriverBuffer(long gpa, long length, boolean writable) {

    public DriverBuffer {
        if (length < 0 || length > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("buffer length " + length + " is not a u32");
        }
    }

    public static DriverBuffer readable(long gpa, long length) {
        return new DriverBuffer(gpa, length, false);
    }

    public static DriverBuffer writable(long gpa, long length) {
        return new DriverBuffer(gpa, length, true);
    }
}
