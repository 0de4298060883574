package io.virtwire.logging;

import java.util.function.LongSupplier;

/**
 * At most {@code burst} lines per window; the rest are counted, and once the window is over one summary stands for
 * them: {@code "<last line> (repeated N times in the last S s; ...)"}. Issue 14's limiter (a front-end failing in a
 * loop wrote 1.1 million lines), used by the session log per socket and by the log handler per identical message.
 * Thread-safe. The caller writes {@link #takeSummary()} (if any) before the line {@link #admit} let through, so the
 * summary of a window comes before the next window's lines.
 */
public final class RepeatLimiter {

    /** What was suppressed in a window that is over: the most severe level seen and the summary line. */
    public record Summary(LogLine.Level level, String message) {
    }

    private final int burst;
    private final long windowNanos;
    private final LongSupplier nanoClock;
    private long windowStart;
    private int inWindow;
    private long suppressed;
    private LogLine.Level suppressedLevel;
    private String lastSuppressed;
    private Summary pending;

    public RepeatLimiter(int burst, long windowNanos, LongSupplier nanoClock) {
        this.burst = burst;
        this.windowNanos = windowNanos;
        this.nanoClock = nanoClock;
        this.windowStart = nanoClock.getAsLong();
    }

    /** Whether {@code message} may be written now; if not, it is counted for the window's summary. */
    public synchronized boolean admit(LogLine.Level level, String message) {
        roll();
        if (inWindow < burst) {
            inWindow++;
            return true;
        }
        suppressed++;
        if (suppressedLevel == null || level.ordinal() < suppressedLevel.ordinal()) {
            suppressedLevel = level;
        }
        lastSuppressed = message;
        return false;
    }

    /** The summary of a window that is over (rolling it if due), or null; each summary is handed out once. */
    public synchronized Summary takeSummary() {
        roll();
        Summary s = pending;
        pending = null;
        return s;
    }

    /**
     * The summaries of what was suppressed so far, window over or not (closing): a window that ended but was not
     * taken yet, then the current one; empty when nothing was suppressed.
     */
    public synchronized java.util.List<Summary> flush() {
        java.util.List<Summary> out = new java.util.ArrayList<>(2);
        if (pending != null) {
            out.add(pending);
            pending = null;
        }
        Summary now = summarize(nanoClock.getAsLong() - windowStart);
        if (now != null) {
            out.add(now);
        }
        return out;
    }

    /** Lines suppressed in the current window so far. */
    public synchronized long suppressed() {
        return suppressed;
    }

    /** Whether nothing is counted or pending: a limiter in this state may be forgotten. */
    public synchronized boolean idle() {
        roll();
        return suppressed == 0 && pending == null && inWindow == 0;
    }

    private void roll() {
        long now = nanoClock.getAsLong();
        if (now - windowStart >= windowNanos) {
            Summary s = summarize(now - windowStart);
            if (s != null) {
                pending = s;
            }
            windowStart = now;
            inWindow = 0;
        }
    }

    private Summary summarize(long elapsedNanos) {
        if (suppressed == 0) {
            return null;
        }
        long seconds = Math.max(1, Math.round(elapsedNanos / 1e9));
        Summary s = new Summary(suppressedLevel, lastSuppressed + " (repeated " + suppressed + " times in the last "
                + seconds + " s; " + burst + " lines per " + windowNanos / 1_000_000_000L + " s are written, the rest"
                + " counted, this one is the last)");
        suppressed = 0;
        suppressedLevel = null;
        lastSuppressed = null;
        return s;
    }
}
