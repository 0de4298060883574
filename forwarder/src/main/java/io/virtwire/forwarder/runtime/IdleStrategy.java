package io.virtwire.forwarder.runtime;

/** What a worker does after a duty cycle (Agrona's IdleStrategy): {@code workCount} 0 means nothing was done. */
public interface IdleStrategy {

    void idle(int workCount);

    void reset();
}
