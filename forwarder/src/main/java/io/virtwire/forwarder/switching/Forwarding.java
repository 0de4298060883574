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
     * The port every frame from {@code in} goes to unchanged, whatever it holds, if there is one: the worker may
     * then move them port to port itself ({@link io.virtwire.forwarder.port.Port#forwardDirect}) instead of
     * receiving a burst and calling {@link #forward}. Null when the frames must be looked at to be sent on.
     */
    default SwitchPort directPeer(SwitchPort in) {
        return null;
    }
}
