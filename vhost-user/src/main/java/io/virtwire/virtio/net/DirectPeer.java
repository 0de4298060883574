package io.virtwire.virtio.net;

/**
 * A receiver that a sending device can copy frames into straight from the sender's guest memory, without a
 * staging burst (a vhost-user device: {@link FrameRoute}). Only the sender knows what to do with it.
 */
public interface DirectPeer {
}
