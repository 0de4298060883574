package io.virtwire.virtio.net;

/**
 * What one guest-to-guest forward (a vhost-user device's {@code forwardTo}, by a {@link FrameRoute}) did: the
 * frames (and their Ethernet bytes) taken from the sending guest; the receiver they went to in one copy, if any,
 * how many were meant for it and how many it took (the rest were dropped there: no buffers, too big). Frames taken
 * but not meant for it are left in the caller's burst, to be forwarded the staged way. Owned and reused by one
 * caller: the data path allocates nothing.
 */
public final class ForwardCounts {

    private int taken;
    private long takenBytes;
    private DirectPeer peer;
    private int toPeer;
    private int delivered;
    private long deliveredBytes;

    public void clear() {
        taken = 0;
        takenBytes = 0;
        peer = null;
        toPeer = 0;
        delivered = 0;
        deliveredBytes = 0;
    }

    public void took(int frames, long bytes) {
        taken += frames;
        takenBytes += bytes;
    }

    /** {@code frames} meant for {@code to}, of which {@code deliveredFrames} ({@code bytes}) were delivered. */
    public void sent(DirectPeer to, int frames, int deliveredFrames, long bytes) {
        peer = to;
        toPeer += frames;
        delivered += deliveredFrames;
        deliveredBytes += bytes;
    }

    public int taken() {
        return taken;
    }

    public long takenBytes() {
        return takenBytes;
    }

    /** The receiver frames went to in one copy; null if none did (all left in the caller's burst). */
    public DirectPeer peer() {
        return peer;
    }

    /** Frames meant for {@link #peer()}: delivered, or dropped there. */
    public int toPeer() {
        return toPeer;
    }

    public int delivered() {
        return delivered;
    }

    public long deliveredBytes() {
        return deliveredBytes;
    }
}
