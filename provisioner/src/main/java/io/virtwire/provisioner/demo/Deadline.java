package io.virtwire.provisioner.demo;

import java.util.concurrent.TimeUnit;

/** The demo's time limit: every wait is bounded by what is left of it. */
public final class Deadline {

    /** The demo ran out of time; the message says what it was waiting for. */
    public static final class Expired extends RuntimeException {
        Expired(String message) {
            super(message);
        }
    }

    private final long end;
    private final int seconds;
    private volatile String cancelled;

    public Deadline(int seconds) {
        this.seconds = seconds;
        this.end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    }

    public long remainingMillis() {
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()));
    }

    public boolean expired() {
        return cancelled != null || System.nanoTime() - end >= 0;
    }

    /** Makes the next {@link #check} throw: the demo was interrupted (Ctrl-C) and should clean up and stop. */
    public void cancel(String why) {
        cancelled = why;
    }

    /** Throws {@link Expired} naming {@code waitingFor} once the time is up or the demo was cancelled. */
    public void check(String waitingFor) {
        if (cancelled != null) {
            throw new Expired(cancelled + " while waiting for " + waitingFor);
        }
        if (expired()) {
            throw new Expired("the demo's time limit of " + seconds + " s was reached while waiting for " + waitingFor
                    + " (a slow or loaded host? run it again with a longer --timeout)");
        }
    }

    public int seconds() {
        return seconds;
    }
}
