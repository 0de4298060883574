package io.virtwire.vhostuser.backend;

import io.virtwire.linux.EventFd;
import io.virtwire.vhostuser.protocol.VringAddr;
import io.virtwire.virtio.queue.MappedQueue;
import io.virtwire.virtio.queue.PackedQueue;
import io.virtwire.virtio.queue.Virtqueue;

/**
 * The session's view of one vring: what the front-end configured, and the queue object while the ring is
 * started. Owned and touched only by the session thread.
 */
final class Vring implements AutoCloseable {

    final int index;
    long num;
    boolean numSet;
    VringAddr addr;
    /** The ring position in vhost-user's wire form (split: next avail u16; packed: avail | used << 16, wraps in bit 15/31). */
    long base;
    boolean kickSet;
    EventFd kick;
    EventFd call;
    EventFd err;
    boolean enabled;
    /** What the device was given (possibly wrapped for inflight tracking or dirty logging). */
    Virtqueue started;
    /** The split or packed queue inside {@link #started}, whose position GET_VRING_BASE reports. */
    MappedQueue core;
    /** Why the last start attempt failed; no retry until the ring's configuration changes. */
    String startFailure;

    Vring(int index) {
        this.index = index;
    }

    void configChanged() {
        startFailure = null;
    }

    /** The wire form of a queue's position, as GET_VRING_BASE answers it. */
    static long wireBase(Virtqueue queue) {
        if (queue instanceof PackedQueue p) {
            long avail = p.nextAvail() | (p.availWrapCounter() ? 0x8000 : 0);
            long used = p.nextUsed() | (p.usedWrapCounter() ? 0x8000 : 0);
            return avail | used << 16;
        }
        return queue.vringBase() & 0xFFFFL;
    }

    void replaceKick(EventFd fd) {
        if (kick != null) {
            kick.close();
        }
        kick = fd;
    }

    void replaceCall(EventFd fd) {
        if (call != null) {
            call.close();
        }
        call = fd;
    }

    void replaceErr(EventFd fd) {
        if (err != null) {
            err.close();
        }
        err = fd;
    }

    @Override
    public void close() {
        replaceKick(null);
        replaceCall(null);
        replaceErr(null);
    }
}
