package io.virtwire.vhostuser.backend;

import java.util.function.LongSupplier;

/**
 * The log of one socket's sessions, rate limited: at most {@link #BURST} lines per {@link #WINDOW_NANOS} window;
 * the rest are counted and summed up once the window is over, as
 * {@code "<last line> (repeated N times in the last 60 s, the last shown)"}. Shared by every session a
 * {@link BackendServer} serves, so a front-end that reconnects and fails in a loop cannot fill the disk (issue 14: 1.1
 * million "session ends" lines, 230 MB). Thread-safe: the session thread and the server thread both log.
 */
public final class SessionLog {

    static final int BURST = 20;
    static final long WINDOW_NANOS = 60_000_000_000L;

    private final System.Logger logger;
    private final LongSupplier nanoClock;
    private long windowStart;
    private int inWindow;
    private long suppressed;
    private System.Logger.Level suppressedLevel;
    private String lastSuppressed;

    public SessionLog(System.Logger logger) {
        this(logger, System::nanoTime);
    }

    SessionLog(System.Logger logger, LongSupplier nanoClock) {
        this.logger = logger;
        this.nanoClock = nanoClock;
        this.windowStart = nanoClock.getAsLong();
    }

    public synchronized void log(System.Logger.Level level, String message) {
        rollWindow();
        if (inWindow < BURST) {
            inWindow++;
            logger.log(level, message);
            return;
        }
        suppressed++;
        if (suppressedLevel == null || level.getSeverity() > suppressedLevel.getSeverity()) {
            suppressedLevel = level;
        }
        lastSuppressed = message;
    }

    /** A failure with its stack trace, within the same budget (over it, counted like any other line). */
    public synchronized void log(System.Logger.Level level, String message, Throwable t) {
        rollWindow();
        if (inWindow < BURST) {
            inWindow++;
            logger.log(level, message, t);
            return;
        }
        log(level, message + ": " + t);
    }

    /** Writes the summary of a window that is over; the server calls it between sessions. */
    public synchronized void flushIfDue() {
        rollWindow();
    }

    /** Writes the summary of what was suppressed so far, window over or not (server closing). */
    public synchronized void flush() {
        summarize(nanoClock.getAsLong() - windowStart);
    }

    private void rollWindow() {
        long now = nanoClock.getAsLong();
        if (now - windowStart >= WINDOW_NANOS) {
            summarize(now - windowStart);
            windowStart = now;
            inWindow = 0;
        }
    }

    private void summarize(long elapsedNanos) {
        if (suppressed == 0) {
            return;
        }
        long seconds = Math.max(1, Math.round(elapsedNanos / 1e9));
        logger.log(suppressedLevel, lastSuppressed + " (repeated " + suppressed + " times in the last " + seconds
                + " s; " + BURST + " lines per " + WINDOW_NANOS / 1_000_000_000L + " s are written, the rest counted,"
                + " this one is the last)");
        suppressed = 0;
        suppressedLevel = null;
        lastSuppressed = null;
    }

    /** Lines suppressed in the current window so far (tests). */
    synchronized long suppressed() {
        return suppressed;
    }
}
