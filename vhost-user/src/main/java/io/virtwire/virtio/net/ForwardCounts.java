package io.virtwire.virtio.net;

/**
 * What one port-to-port forward (a vhost-user device's {@code forwardTo}, guest to guest in one copy) moved: frames (and their Ethernet bytes) taken from the sending
 * guest, and of those the frames delivered to the receiving guest; the rest were dropped there (no buffers, too
 * big). Owned and reused by one caller: the data path allocates nothing.
 */
public final class ForwardCounts {

    private int taken;
    private long takenBytes;
    private int delivered;
    private long deliveredBytes;

    public void clear() {
        taken = 0;
        takenBytes = 0;
        delivered = 0;
        deliveredBytes = 0;
    }

    public void took(int frames, long bytes) {
        taken += frames;
        takenBytes += bytes;
    }

    public void delivered(int frames, long bytes) {
        delivered += frames;
        deliveredBytes += bytes;
    }

    public int taken() {
        return taken;
    }

    public long takenBytes() {
        return takenBytes;
    }

    public int delivered() {
        return delivered;
    }

    public long deliveredBytes() {
        return deliveredBytes;
    }
}
