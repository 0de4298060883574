package io.virtwire.vhostuser.protocol;

import java.util.Optional;

/**
 * Back-end to front-end requests ({@code VHOST_USER_BACKEND_*}, formerly {@code VHOST_USER_SLAVE_*}), sent on
 * the channel set up by SET_BACKEND_REQ_FD. Codes from QEMU docs/interop/vhost-user.rst,
 * "Back-end message types". Their replies come from the front-end, so only the codes and gating live here.
 */
public enum BackendRequest {
    IOTLB_MSG(1, PayloadKind.IOTLB, ProtocolFeature.BACKEND_REQ),
    CONFIG_CHANGE_MSG(2, PayloadKind.EMPTY, ProtocolFeature.CONFIG),
    /** Payload is a vring area description (u64 index and flags, u64 size, u64 offset) plus an optional fd. */
    VRING_HOST_NOTIFIER_MSG(3, PayloadKind.UNSUPPORTED, ProtocolFeature.HOST_NOTIFIER),
    VRING_CALL(4, PayloadKind.VRING_STATE, ProtocolFeature.INBAND_NOTIFICATIONS),
    VRING_ERR(5, PayloadKind.VRING_STATE, ProtocolFeature.INBAND_NOTIFICATIONS),
    SHARED_OBJECT_ADD(6, PayloadKind.UNSUPPORTED, ProtocolFeature.SHARED_OBJECT),
    SHARED_OBJECT_REMOVE(7, PayloadKind.UNSUPPORTED, ProtocolFeature.SHARED_OBJECT),
    SHARED_OBJECT_LOOKUP(8, PayloadKind.UNSUPPORTED, ProtocolFeature.SHARED_OBJECT);

    private final int code;
    private final PayloadKind payload;
    private final ProtocolFeature requiredProtocolFeature;

    BackendRequest(int code, PayloadKind payload, ProtocolFeature requiredProtocolFeature) {
        this.code = code;
        this.payload = payload;
        this.requiredProtocolFeature = requiredProtocolFeature;
    }

    public int code() {
        return code;
    }

    public PayloadKind payload() {
        return payload;
    }

    /**
     * The protocol feature that must be negotiated before the backend may send this (besides BACKEND_REQ,
     * which every backend request needs for its channel to exist).
     */
    public ProtocolFeature requiredProtocolFeature() {
        return requiredProtocolFeature;
    }

    public String specName() {
        return "VHOST_USER_BACKEND_" + name();
    }

    public static Optional<BackendRequest> ofCode(long code) {
        for (BackendRequest r : values()) {
            if (r.code == code) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }
}
