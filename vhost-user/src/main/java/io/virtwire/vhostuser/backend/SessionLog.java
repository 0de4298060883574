package io.virtwire.vhostuser.backend;

import io.virtwire.logging.LogLine;
import io.virtwire.logging.RepeatLimiter;

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
    private final RepeatLimiter limiter;

    public SessionLog(System.Logger logger) {
        this(logger, System::nanoTime);
    }

    SessionLog(System.Logger logger, LongSupplier nanoClock) {
        this.logger = logger;
        this.limiter = new RepeatLimiter(BURST, WINDOW_NANOS, nanoClock);
    }

    public synchronized void log(System.Logger.Level level, String message) {
        writeSummary(limiter.takeSummary());
        if (limiter.admit(levelOf(level), message)) {
            logger.log(level, message);
        }
    }

    /** A failure with its stack trace, within the same budget (over it, counted like any other line). */
    public synchronized void log(System.Logger.Level level, String message, Throwable t) {
        writeSummary(limiter.takeSummary());
        if (limiter.admit(levelOf(level), message + ": " + t)) {
            logger.log(level, message, t);
        }
    }

    /** Writes the summary of a window that is over; the server calls it between sessions. */
    public synchronized void flushIfDue() {
        writeSummary(limiter.takeSummary());
    }

    /** Writes the summary of what was suppressed so far, window over or not (server closing). */
    public synchronized void flush() {
        limiter.flush().forEach(this::writeSummary);
    }

    private void writeSummary(RepeatLimiter.Summary s) {
        if (s != null) {
            logger.log(systemLevelOf(s.level()), s.message());
        }
    }

    static LogLine.Level levelOf(System.Logger.Level level) {
        return switch (level) {
            case ERROR, OFF -> LogLine.Level.ERROR;
            case WARNING -> LogLine.Level.WARN;
            case INFO -> LogLine.Level.INFO;
            case DEBUG -> LogLine.Level.DEBUG;
            case TRACE, ALL -> LogLine.Level.TRACE;
        };
    }

    private static System.Logger.Level systemLevelOf(LogLine.Level level) {
        return switch (level) {
            case ERROR -> System.Logger.Level.ERROR;
            case WARN -> System.Logger.Level.WARNING;
            case INFO -> System.Logger.Level.INFO;
            case DEBUG -> System.Logger.Level.DEBUG;
            case TRACE -> System.Logger.Level.TRACE;
        };
    }

    /** Lines suppressed in the current window so far (tests). */
    synchronized long suppressed() {
        return limiter.suppressed();
    }
}
