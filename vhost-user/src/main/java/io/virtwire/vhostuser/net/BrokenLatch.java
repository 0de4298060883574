package io.virtwire.vhostuser.net;

import io.virtwire.vhostuser.backend.SessionLog;

/**
 * Whether a net device is broken (a hostile guest: malformed chain, guest memory gone) and why; set once by
 * whichever data-path thread or queue pair finds the fault first, read by all of them before each burst, cleared
 * when the session ends. "Device broken" is logged rate limited over the device's life like its sessions' log,
 * since a guest that breaks the device in every session it opens would otherwise write a line per session.
 */
final class BrokenLatch {

    private static final System.Logger LOG = System.getLogger(VhostUserNetDevice.class.getName());

    private final String name;
    private final SessionLog log = new SessionLog(LOG);
    private volatile String reason;

    BrokenLatch(String name) {
        this.name = name;
    }

    boolean isSet() {
        return reason != null;
    }

    String reason() {
        return reason;
    }

    /** Sets the latch unless already set; the first reason stays. */
    synchronized void mark(String why) {
        if (reason == null) {
            reason = why;
            log.log(System.Logger.Level.WARNING, name + ": device broken, no more frames: " + why);
        }
    }

    void clear() {
        reason = null;
    }
}
