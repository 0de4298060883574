package io.virtwire.vhostuser.net;

import io.virtwire.linux.Epoll;
import io.virtwire.linux.ErrnoException;
import io.virtwire.linux.EventFd;
import io.virtwire.linux.Fd;
import io.virtwire.virtio.net.Wakeup;

/**
 * Sleeping until a guest kicks: an epoll over every ring's kick and a wake eventfd (for a thread that polls the
 * whole device), and per queue pair an epoll over that pair's from-guest kick and its own wake eventfd (for
 * callers whose threads each poll some pairs; separate, since draining a kick through one pair's epoll must not
 * swallow another pair's). Kicks stay off while the data path polls (each costs the driver a syscall) and are
 * asked for again only around a sleep: {@link #arm()}, sleep on {@link #pollFd()}, {@link #disarm()}.
 */
final class KickWaiter implements AutoCloseable {

    private static final long WAKE = -1;

    private final QueuePair[] pairs;
    private final BrokenLatch broken;
    private final Epoll epoll;
    private final EventFd wake;
    private final Epoll[] pairEpolls;
    private final EventFd[] pairWakes;

    KickWaiter(QueuePair[] pairs, BrokenLatch broken) throws ErrnoException {
        this.pairs = pairs;
        this.broken = broken;
        this.pairEpolls = new Epoll[pairs.length];
        this.pairWakes = new EventFd[pairs.length];
        this.epoll = Epoll.create(pairs.length * 2 + 1);
        EventFd createdWake = null;
        try {
            createdWake = EventFd.create();
            epoll.add(createdWake.fd(), Epoll.EPOLLIN, WAKE);
            for (int p = 0; p < pairs.length; p++) {
                pairEpolls[p] = Epoll.create(2);
                pairWakes[p] = EventFd.create();
                pairEpolls[p].add(pairWakes[p].fd(), Epoll.EPOLLIN, WAKE);
            }
        } catch (ErrnoException | RuntimeException e) {
            closePairPolls();
            if (createdWake != null) {
                createdWake.close();
            }
            epoll.close();
            throw e;
        }
        this.wake = createdWake;
    }

    /** A ring started (under its pair's lock): watch its kick, and wake the sleepers so they poll it. */
    void watch(NetRing ring) throws ErrnoException {
        if (ring.kick != null) {
            epoll.add(ring.kick.fd(), Epoll.EPOLLIN, ring.index);
            if (isFromGuest(ring.index)) {
                pairEpolls[ring.index / 2].add(ring.kick.fd(), Epoll.EPOLLIN, ring.index);
            }
        }
        wake.signal();
        pairWakes[ring.index / 2].signal();
    }

    /** A ring stops (under its pair's lock): its kick is no longer watched. */
    void unwatch(NetRing ring) {
        if (ring.kick == null) {
            return;
        }
        try {
            epoll.delete(ring.kick.fd());
        } catch (ErrnoException e) {
            // not registered (registration failed): nothing to undo
        }
        if (isFromGuest(ring.index)) {
            try {
                pairEpolls[ring.index / 2].delete(ring.kick.fd());
            } catch (ErrnoException e) {
                // not registered
            }
        }
    }

    private static boolean isFromGuest(int index) {
        return (index & 1) == 1;
    }

    /** Sleeps until a kick, a ring change or {@link #wakeUp()}, at most {@code timeoutMillis}. */
    void await(int timeoutMillis) {
        Wakeup arm = arm();
        if (arm == Wakeup.WORK_PENDING) {
            return;
        }
        drainReady(epoll, wake, arm == Wakeup.POLL ? Math.min(1, timeoutMillis) : timeoutMillis);
        disarm();
    }

    /** Asks the guest to kick on every from-guest ring; one lock round trip per pair (only before a sleep). */
    Wakeup arm() {
        boolean polling = false;
        for (QueuePair p : pairs) {
            Wakeup w = arm(p);
            if (w == Wakeup.WORK_PENDING) {
                return w;
            }
            polling |= w == Wakeup.POLL;
        }
        return polling ? Wakeup.POLL : Wakeup.ARMED;
    }

    /** {@link #arm()} for pair {@code pair}'s from-guest ring only; sleep on {@link #pollFd(int)}. */
    Wakeup arm(int pair) {
        return arm(pairs[pair]);
    }

    private Wakeup arm(QueuePair p) {
        p.lock.lock();
        try {
            NetRing ring = p.fromGuest;
            if (ring.queue == null) {
                return Wakeup.ARMED;
            }
            if (ring.queue.enableNotification()) {
                return Wakeup.WORK_PENDING;
            }
            return ring.kick == null ? Wakeup.POLL : Wakeup.ARMED; // NOFD: the front-end wants us to poll
        } catch (InternalError e) {
            broken.mark("guest memory fault: " + e.getMessage());
            return Wakeup.ARMED;
        } finally {
            p.lock.unlock();
        }
    }

    /** After a sleep on {@link #pollFd()}: consumes pending kicks without blocking and turns kicks off again. */
    void disarm() {
        drainReady(epoll, wake, 0);
        for (QueuePair p : pairs) {
            disableKicks(p);
        }
    }

    /** {@link #disarm()} for pair {@code pair}: drains its kick and wake, turns its kicks off again. */
    void disarm(int pair) {
        drainReady(pairEpolls[pair], pairWakes[pair], 0);
        disableKicks(pairs[pair]);
    }

    private void disableKicks(QueuePair p) {
        p.lock.lock();
        try {
            if (p.fromGuest.queue != null) {
                p.fromGuest.queue.disableNotification();
            }
        } catch (InternalError e) {
            broken.mark("guest memory fault: " + e.getMessage());
        } finally {
            p.lock.unlock();
        }
    }

    /** Readable while a kick, a ring change or a {@link #wakeUp()} is pending: an epoll fd, nestable in another epoll. */
    Fd pollFd() {
        return epoll.fd();
    }

    /** Readable while pair {@code pair}'s from-guest kick, its ring change or a {@link #wakeUp()} is pending. */
    Fd pollFd(int pair) {
        return pairEpolls[pair].fd();
    }

    /** Wakes a thread in {@link #await}, and every thread sleeping on a {@link #pollFd(int)}. */
    void wakeUp() {
        try {
            wake.signal();
            for (EventFd w : pairWakes) {
                w.signal();
            }
        } catch (ErrnoException e) {
            // the counter is saturated: the waiter wakes anyway
        }
    }

    /**
     * Waits up to {@code timeoutMillis} on {@code poll} (the device's or one pair's), then consumes what it
     * reported: its wake eventfd {@code wakeFd} and ring kicks.
     */
    private void drainReady(Epoll poll, EventFd wakeFd, int timeoutMillis) {
        try {
            int ready = poll.await(timeoutMillis);
            for (int i = 0; i < ready; i++) {
                long data = poll.data(i);
                if (data == WAKE) {
                    wakeFd.drain();
                } else {
                    drainKick((int) data);
                }
            }
        } catch (ErrnoException e) {
            broken.mark("epoll failed: " + e.getMessage());
        }
    }

    /** Under the pair's lock, so that the kick fd is not swapped by a ring stop while it is drained. */
    private void drainKick(int index) throws ErrnoException {
        QueuePair p = pairs[index / 2];
        p.lock.lock();
        try {
            EventFd kick = p.ring(index).kick;
            if (kick != null) {
                kick.drain();
            }
        } finally {
            p.lock.unlock();
        }
    }

    private void closePairPolls() {
        for (int p = 0; p < pairs.length; p++) {
            if (pairEpolls[p] != null) {
                pairEpolls[p].close();
            }
            if (pairWakes[p] != null) {
                pairWakes[p].close();
            }
        }
    }

    @Override
    public void close() {
        epoll.close();
        wake.close();
        closePairPolls();
    }
}
