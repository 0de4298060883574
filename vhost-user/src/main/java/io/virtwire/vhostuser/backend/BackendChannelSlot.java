package io.virtwire.vhostuser.backend;

import io.virtwire.linux.Fd;
import io.virtwire.virtio.queue.IovaMemory;

/**
 * The back-end request channel SET_BACKEND_REQ_FD handed over, if one was. Its only use is asking for IOTLB
 * translations, from the session thread (a ring that cannot start) and from data-path threads (a chain that
 * misses), hence the volatile field and no lock.
 */
final class BackendChannelSlot implements IovaMemory.MissListener, AutoCloseable {

    private final SessionLog log;
    private final String name;
    private volatile BackendChannel channel;

    BackendChannelSlot(SessionLog log, String name) {
        this.log = log;
        this.name = name;
    }

    /** SET_BACKEND_REQ_FD: the new channel replaces the old one, which is closed. */
    void replace(Fd fd) {
        BackendChannel old = channel;
        channel = new BackendChannel(fd, name);
        if (old != null) {
            old.close();
        }
    }

    /** Asks the front-end for a translation; without a channel the ring waits, and the log says why. */
    @Override
    public void miss(long iova, boolean write) {
        BackendChannel c = channel;
        if (c == null) {
            log.log(System.Logger.Level.WARNING, name + ": IOTLB miss at iova 0x" + Long.toHexString(iova)
                    + " but the front-end gave no back-end request channel (SET_BACKEND_REQ_FD); the ring waits");
            return;
        }
        c.iotlbMiss(iova, write);
    }

    @Override
    public void close() {
        BackendChannel c = channel;
        if (c != null) {
            c.close();
        }
    }
}
