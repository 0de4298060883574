package io.virtwire.vhostuser.protocol;

/** What a request's own reply carries (independent of REPLY_ACK, see {@link ReplyPolicy}). */
public enum ReplyPayload {
    /** The request has no reply of its own; with NEED_REPLY and REPLY_ACK it gets a u64 ack. */
    NONE,
    /** A u64 (features, queue count, slot count, status, or an error code for IOTLB_MSG / SET_LOG_BASE). */
    U64,
    /** GET_VRING_BASE: the vring state (index, next avail index). */
    VRING_STATE,
    /** GET_CONFIG: the config space, same offset/size as asked, or an empty payload on error. */
    CONFIG,
    /** GET_INFLIGHT_FD: the inflight description plus one fd for the shared buffer. */
    INFLIGHT;

    public boolean exists() {
        return this != NONE;
    }
}
