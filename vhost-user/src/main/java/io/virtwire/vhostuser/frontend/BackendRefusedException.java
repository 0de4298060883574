package io.virtwire.vhostuser.frontend;

import io.virtwire.vhostuser.protocol.FrontendRequest;

import java.io.IOException;

/** The back-end answered a request with a failed REPLY_ACK (non-zero u64) or a failure reply. */
public final class BackendRefusedException extends IOException {

    private final FrontendRequest request;

    public BackendRefusedException(FrontendRequest request, String detail) {
        super(request + " refused by the back-end: " + detail);
        this.request = request;
    }

    public FrontendRequest request() {
        return request;
    }
}
