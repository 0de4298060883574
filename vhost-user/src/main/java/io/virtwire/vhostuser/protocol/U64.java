package io.virtwire.vhostuser.protocol;

/**
 * A feature bitmask request: SET_FEATURES (virtio features) or SET_PROTOCOL_FEATURES. Other u64 requests have
 * their own records ({@link VringFile}, {@link SendRarp}, {@link NetMtu}, {@link DeviceStatus}).
 */
public record U64(FrontendRequest request, long value) implements FrontendMessage {

    public U64 {
        if (request != FrontendRequest.SET_FEATURES && request != FrontendRequest.SET_PROTOCOL_FEATURES) {
            throw new IllegalArgumentException(request + " is not a plain u64 request (SET_FEATURES or SET_PROTOCOL_FEATURES)");
        }
    }

    public VirtioFeatures virtioFeatures() {
        return new VirtioFeatures(value);
    }

    public ProtocolFeatures protocolFeatures() {
        return new ProtocolFeatures(value);
    }

    @Override
    public String toString() {
        return "U64[" + request + ", " + (request == FrontendRequest.SET_FEATURES ? virtioFeatures() : protocolFeatures()) + "]";
    }
}
