package io.virtwire.vhostuser.backend;

import java.time.Duration;

/**
 * How long {@link BackendServer} waits before it accepts (or connects for) the next session after one that failed:
 * exponential from {@link #INITIAL} up to {@link #CAP}, back to none after a healthy session.
 *
 * <p>Why: a front-end that fails again and again (QEMU reconnecting in a loop after "you are asking more queues
 * than supported", a broken client) would otherwise be served as fast as it can connect, burning a core on
 * negotiation and logging. The connection waits in the listen backlog meanwhile, so the front-end is slowed down
 * too, not refused. A session is healthy when at least one ring started and it lasted a second: a guest's link came
 * up and stayed.
 */
final class SessionBackoff {

    static final Duration INITIAL = Duration.ofMillis(100);
    static final Duration CAP = Duration.ofSeconds(5);

    private long nextMillis;
    private int failuresInARow;

    /** Records how a session ended; returns how long to wait before the next. */
    Duration after(boolean healthy) {
        if (healthy) {
            failuresInARow = 0;
            nextMillis = 0;
            return Duration.ZERO;
        }
        failuresInARow++;
        nextMillis = nextMillis == 0 ? INITIAL.toMillis() : Math.min(nextMillis * 2, CAP.toMillis());
        return Duration.ofMillis(nextMillis);
    }

    /** Sessions that failed since the last healthy one. */
    int failuresInARow() {
        return failuresInARow;
    }
}
