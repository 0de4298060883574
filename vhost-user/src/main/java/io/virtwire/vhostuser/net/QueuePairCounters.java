package io.virtwire.vhostuser.net;

/**
 * One queue pair's counters, as {@link VhostUserNetDevice#queuePairCounters} read them. Frames the device could
 * not place on any ring (no to-guest ring started, device broken) are in no pair's counters.
 *
 * @param fromGuestFrames  frames taken from the pair's from-guest (the guest's transmit) ring
 * @param fromGuestBytes   their Ethernet bytes (no virtio-net header)
 * @param fromGuestRefused frames on the from-guest ring that were refused (bad length, header asking for
 *                         something not offered)
 * @param toGuestFrames    frames delivered into the pair's to-guest (the guest's receive) ring
 * @param toGuestBytes     their Ethernet bytes
 * @param toGuestNoBuffers frames dropped because the to-guest ring had no buffers
 * @param toGuestTooBig    frames dropped because the buffers posted could not hold them
 * @param toGuestDirect    of {@code toGuestFrames}, those copied straight from another guest's buffer
 *                         ({@link VhostUserNetDevice#forwardTo}: one copy guest to guest)
 */
public record QueuePairCounters(int pair, long fromGuestFrames, long fromGuestBytes, long fromGuestRefused,
                                long toGuestFrames, long toGuestBytes, long toGuestNoBuffers, long toGuestTooBig,
                                long toGuestDirect) {
}
