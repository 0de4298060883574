package io.virtwire.vhostuser.net;

import io.virtwire.virtio.net.PacketBurst;

/**
 * A place frames come from and go to, in bursts, so a forwarder can move frames between any two ports with the
 * same loop. Both methods are called by one data-path thread and allocate nothing.
 */
public interface PacketPort {

    /**
     * Appends frames the port has received (for a vhost-user device: what the guest transmitted) to {@code burst},
     * as many as fit.
     *
     * @return frames appended
     */
    int receiveBurst(PacketBurst burst);

    /**
     * Sends frames {@code 0..burst.count()-1} (for a vhost-user device: into the guest's receive ring). Frames that
     * cannot be sent now (no guest buffers) are dropped.
     *
     * @return frames sent
     */
    int transmitBurst(PacketBurst burst);
}
