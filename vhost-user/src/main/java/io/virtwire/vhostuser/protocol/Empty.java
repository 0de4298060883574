package io.virtwire.vhostuser.protocol;

/**
 * A request without payload: GET_FEATURES, SET_OWNER, RESET_OWNER, SET_LOG_FD, GET_PROTOCOL_FEATURES,
 * GET_QUEUE_NUM, SET_BACKEND_REQ_FD, RESET_DEVICE, GET_MAX_MEM_SLOTS, GET_STATUS.
 */
public record Empty(FrontendRequest request) implements FrontendMessage {

    public Empty {
        if (request.payload() != PayloadKind.EMPTY) {
            throw new IllegalArgumentException(request + " carries a " + request.payload() + " payload, not none");
        }
    }
}
