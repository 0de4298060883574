package io.virtwire.vhostuser.net;

import java.util.concurrent.locks.ReentrantLock;

/**
 * One queue pair of a net device: its to-guest ring ({@code 2k}, the guest's receive queue) and from-guest ring
 * ({@code 2k+1}, its transmit queue, virtio 1.x 5.1.2), each with its path, and the header policy they share.
 *
 * <p>Each pair has its own lock, taken once per burst by its data path and by {@code queueStarted} /
 * {@code queueStopped} for its rings: holding it is how the session's pause waits for the data path to let go of a
 * ring. Pairs do not share scratch, so the pairs of one multiqueue guest move frames in parallel (the uncontended
 * lock costs a CAS per burst and allocates nothing).
 */
final class QueuePair {

    final int pair;
    final ReentrantLock lock = new ReentrantLock();
    final NetRing toGuest;
    final NetRing fromGuest;
    final NetHeaderPolicy headers = new NetHeaderPolicy();
    final FromGuestPath fromGuestPath;
    final ToGuestPath toGuestPath;
    /** This pair's from-guest ring straight into another device's guest: {@link VhostUserNetDevice#forwardTo}. */
    final GuestToGuestPath guestToGuest = new GuestToGuestPath();

    QueuePair(int pair, BrokenLatch broken) {
        this.pair = pair;
        this.toGuest = new NetRing(pair * 2, ToGuestPath.MAX_MERGED_BUFFERS);
        this.fromGuest = new NetRing(pair * 2 + 1, 0);
        this.fromGuestPath = new FromGuestPath(fromGuest, headers, broken);
        this.toGuestPath = new ToGuestPath(toGuest, headers, broken);
    }

    /** Ring {@code index} (of this pair). */
    NetRing ring(int index) {
        return (index & 1) == 0 ? toGuest : fromGuest;
    }

    /** Latches both rings broken (their SET_VRING_ERR eventfds fire); under the lock. */
    void breakRings(String reason) {
        if (toGuest.queue != null) {
            toGuest.queue.markBroken(reason);
        }
        if (fromGuest.queue != null) {
            fromGuest.queue.markBroken(reason);
        }
    }

    QueuePairCounters counters() {
        return new QueuePairCounters(pair, fromGuest.frames, fromGuest.bytes, fromGuest.dropped, toGuest.frames,
                toGuest.bytes, toGuest.dropped, toGuest.tooBig, toGuest.direct);
    }
}
