package io.virtwire.virtio.net;

/**
 * Where a batch of frames goes when it can go in one copy, from the sending guest's buffers straight into one
 * receiver's ({@link DirectPeer}): asked by the sending device, per batch, before it copies anything. A
 * cross-connect answers without looking; a switch looks at each frame's head (addresses, then type or 802.1Q tag)
 * and answers only when every frame goes unchanged to one port. The receiver gets exactly the heads the route
 * saw, whatever the sender writes meanwhile.
 */
public interface FrameRoute {

    /** Bytes at the start of each frame {@link #route} may read: both addresses, then the type or the tag's TPID and TCI. */
    int HEAD = 16;

    /** Whether {@link #route} reads the frames' heads (else the sender does not copy them out for it). */
    boolean readsHeads();

    /**
     * @param heads one slot per frame of the batch with its length and, if {@link #readsHeads()}, its first
     *              {@link #HEAD} bytes (the rest of a slot is not the frame's); no offloads; empty if not
     *              {@link #readsHeads()}
     * @return the receiver every frame goes to unchanged, or null: the frames go the staged way (whole, in a
     *         burst, to the forwarding as usual)
     */
    DirectPeer route(PacketBurst heads);
}
