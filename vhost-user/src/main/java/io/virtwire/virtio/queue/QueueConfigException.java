package io.virtwire.virtio.queue;

/** A queue size or ring address that breaks a virtio rule, or rings that do not fit guest memory. */
public final class QueueConfigException extends IllegalArgumentException {
    public QueueConfigException(String message) {
        super(message);
    }
}
