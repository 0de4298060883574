package io.virtwire.vhostuser.net;

/**
 * One queue pair's counters in the guest's terms, as {@link VhostUserNetDevice#queuePairCounters} read them.
 * Frames the device could not place on any ring (no receive queue started, device broken) are in no pair's
 * counters.
 *
 * @param guestSentFrames      frames taken from the pair's transmit ring
 * @param guestSentBytes       their Ethernet bytes (no virtio-net header)
 * @param guestSentRefused     frames on the transmit ring that were refused (bad length, header asking for
 *                             something not offered)
 * @param guestReceivedFrames  frames delivered into the pair's receive ring
 * @param guestReceivedBytes   their Ethernet bytes
 * @param receiveNoBuffers     frames dropped because the receive ring had no buffers
 * @param receiveTooBig        frames dropped because the buffers posted could not hold them
 */
public record QueuePairCounters(int pair, long guestSentFrames, long guestSentBytes, long guestSentRefused,
                                long guestReceivedFrames, long guestReceivedBytes, long receiveNoBuffers,
                                long receiveTooBig) {
}
