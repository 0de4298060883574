package io.virtwire.forwarder.switching;

import io.virtwire.virtio.net.PacketBurst;

/** Decides where the frames of one received burst go, and sends them. Called by workers; allocates nothing. */
public interface Forwarding {

    /**
     * @param in     the port the frames came from (its rx counters are already updated)
     * @param frames the burst; reused by the caller after this returns
     * @param egress the calling worker's staging bursts
     */
    void forward(SwitchPort in, PacketBurst frames, EgressBuffers egress);

    /**
     * Whether {@link #directPeer} reads the frames' heads ({@link io.virtwire.virtio.net.FrameRoute#HEAD} bytes
     * each); if not, the sender does not copy them out for it.
     */
    default boolean readsHeads() {
        return false;
    }

    /**
     * The port every frame of {@code heads} (from {@code in}: lengths and heads only, no offloads) goes to
     * unchanged, if there is one: the worker then lets the sending port copy them straight into it
     * ({@link io.virtwire.forwarder.port.Port#forwardDirect}) instead of receiving a burst and calling
     * {@link #forward}. Null otherwise (the frames come to {@link #forward}, whole). Counts nothing: a frame it
     * declines is counted by {@link #forward}. Called with the sending queue pair's lock held: takes no port lock.
     */
    default SwitchPort directPeer(SwitchPort in, PacketBurst heads) {
        return null;
    }
}
