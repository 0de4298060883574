package io.virtwire.vhostuser.protocol;

/** SET_STATUS: the virtio device status byte (virtio 1.x 2.1), carried in a u64 whose upper bits must be 0. */
public record DeviceStatus(int status) implements FrontendMessage {

    public static final int ACKNOWLEDGE = 1;
    public static final int DRIVER = 2;
    public static final int DRIVER_OK = 4;
    public static final int FEATURES_OK = 8;
    public static final int DEVICE_NEEDS_RESET = 64;
    public static final int FAILED = 128;

    public DeviceStatus {
        if (status < 0 || status > 0xFF) {
            throw new IllegalArgumentException("device status " + status + " does not fit in 8 bits");
        }
    }

    @Override
    public FrontendRequest request() {
        return FrontendRequest.SET_STATUS;
    }

    public boolean has(int bit) {
        return (status & bit) != 0;
    }
}
