package io.virtwire.virtio.net;

/**
 * The sender of a {@link PacketBurst} whose frames are still partly in its guest's memory: the burst holds each
 * such frame's virtio-net header and first {@link #HEAD} bytes (all a switch classifies by), the rest stays in
 * the sender's buffer, whose chain the sender keeps (and whose ring it keeps locked) until the burst lets go.
 *
 * <p>Why: a vhost-user receiver can then copy each frame straight from the sender's buffer into its own guest's
 * buffer, one copy instead of two (guest → burst → guest). Everybody else first asks for the whole frame
 * ({@link PacketBurst#makeWhole()}). A burst is held by at most one sender, on one thread, for one forward.
 */
public interface HeldFrames {

    /** Bytes of every held frame that are in the burst: the 802.1Q-tagged Ethernet head the switch reads. */
    int HEAD = 16;

    /** Copies the rest of every held frame into the burst and gives the sender's chains back. */
    void makeWhole(PacketBurst burst);

    /** Gives the sender's chains back (every copy out of them is done); the frames' rests are no longer needed. */
    void release(PacketBurst burst);
}
