package io.virtwire.forwarder.switching;

import io.virtwire.virtio.net.PacketBurst;

/** Decides where the frames of one received burst go, and sends them. Called by workers; allocates nothing. */
public interface Forwarding {

    /**
     * @param in     the port the frames came from (its rx counters are already updated)
     * @param frames the burst; reused by the caller after this returns. It may be held by its sender
     *               ({@link io.virtwire.virtio.net.HeldFrames}): only each frame's first
     *               {@link io.virtwire.virtio.net.HeldFrames#HEAD} bytes (and header) are in it until
     *               {@link PacketBurst#makeWhole()}; {@link EgressBuffers#send} copies it guest to guest when it
     *               can, and makes it whole otherwise
     * @param egress the calling worker's staging bursts
     */
    void forward(SwitchPort in, PacketBurst frames, EgressBuffers egress);
}
