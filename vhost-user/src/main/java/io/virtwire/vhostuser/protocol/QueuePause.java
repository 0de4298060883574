package io.virtwire.vhostuser.protocol;

/**
 * Whether the data plane must be quiesced before a request is applied (design doc 6.4 rule 7, DPDK's
 * {@code lock_all_qps}). The dispatcher applies the request only after the owning poll agent acknowledged
 * the pause, so a ring is never read through a half-applied change.
 */
public enum QueuePause {
    /** The request does not touch state that the data plane reads. */
    NONE,
    /** The request changes the one ring named by its vring index. */
    INDEXED_QUEUE,
    /** The request changes state every ring reads (memory table, features, log, reset). */
    ALL_QUEUES;

    public boolean pausesQueues() {
        return this != NONE;
    }
}
