package io.virtwire.virtio.queue;

/**
 * Outcome of taking or walking a descriptor chain. {@link #MALFORMED} is deliberately separate from {@link #END}:
 * a chain the guest broke must never pass for a complete (if short) one, the mistake rust-vmm's chain iterator
 * makes by ending iteration on a failed read.
 */
public enum ChainStatus {
    /** A chain (or, when walking, a descriptor) is ready. */
    OK,
    /** Nothing (more): the ring has no new chain, or the walk has passed the chain's last descriptor. */
    END,
    /** The guest broke a rule; the queue is now broken and says why in {@code brokenReason()}. */
    MALFORMED
}
