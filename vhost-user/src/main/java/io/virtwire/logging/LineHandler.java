package io.virtwire.logging;

import java.io.PrintStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;

/**
 * The JDK logging handler behind every {@code System.Logger} of the forwarder: each record as one {@link LogLine}
 * on stderr (with journald's {@code <N>} when asked), identical warnings and errors rate limited
 * ({@link RepeatLimiter}: {@value #BURST} per minute per component and message, then one summary).
 */
public final class LineHandler extends Handler {

    static final int BURST = 10;
    static final long WINDOW_NANOS = 60_000_000_000L;
    /** Distinct repeated messages tracked at once; the least recent is forgotten (its summary written first). */
    private static final int TRACKED = 256;

    private final PrintStream out;
    private final boolean journal;
    private final LongSupplier nanoClock;
    private final SimpleFormatter parameters = new SimpleFormatter();
    private final Map<String, RepeatLimiter> repeats = new LinkedHashMap<>(16, 0.75f, true);

    public LineHandler(PrintStream out, boolean journal, LongSupplier nanoClock) {
        this.out = out;
        this.journal = journal;
        this.nanoClock = nanoClock;
    }

    @Override
    public void publish(LogRecord r) {
        if (r == null || !isLoggable(r)) {
            return;
        }
        LogLine.Level level = levelOf(r.getLevel());
        String component = component(r.getLoggerName());
        String message = parameters.formatMessage(r);
        Throwable t = r.getThrown();
        Object[] fields = t == null ? new Object[0] : new Object[] {"error", t.toString(), "at", topFrame(t)};
        Instant time = r.getInstant();
        synchronized (this) {
            if (level == LogLine.Level.ERROR || level == LogLine.Level.WARN) {
                String key = component + '\0' + level + '\0' + message;
                RepeatLimiter limiter = repeats.get(key);
                if (limiter == null) {
                    limiter = new RepeatLimiter(BURST, WINDOW_NANOS, nanoClock);
                    repeats.put(key, limiter);
                    if (repeats.size() > TRACKED) {
                        var eldest = repeats.entrySet().iterator().next();
                        eldest.getValue().flush().forEach(x -> summary(time, keyComponent(eldest.getKey()), x));
                        repeats.remove(eldest.getKey());
                    }
                }
                summary(time, component, limiter.takeSummary());
                if (!limiter.admit(level, message)) {
                    return;
                }
            }
            write(level, LogLine.format(time, level, component, message, fields));
        }
    }

    private void summary(Instant time, String component, RepeatLimiter.Summary s) {
        if (s != null) {
            write(s.level(), LogLine.format(time, s.level(), component, s.message()));
        }
    }

    private void write(LogLine.Level level, String line) {
        out.println(journal ? LogLine.withPriority(level, line) : line);
    }

    /** Writes the summaries of every repeated message so far (at exit: nothing counted is lost). */
    @Override
    public synchronized void flush() {
        for (Map.Entry<String, RepeatLimiter> e : repeats.entrySet()) {
            e.getValue().flush().forEach(x -> summary(Instant.now(), keyComponent(e.getKey()), x));
        }
        out.flush();
    }

    @Override
    public void close() {
        flush();
    }

    /** The component part of a repeat key (component NUL level NUL message). */
    private static String keyComponent(String key) {
        return key.substring(0, key.indexOf('\0'));
    }

    static LogLine.Level levelOf(Level level) {
        int v = level.intValue();
        if (v >= Level.SEVERE.intValue()) {
            return LogLine.Level.ERROR;
        }
        if (v >= Level.WARNING.intValue()) {
            return LogLine.Level.WARN;
        }
        if (v >= Level.INFO.intValue()) {
            return LogLine.Level.INFO;
        }
        if (v >= Level.FINE.intValue()) {
            return LogLine.Level.DEBUG;
        }
        return LogLine.Level.TRACE;
    }

    public static Level julLevelOf(LogLine.Level level) {
        return switch (level) {
            case ERROR -> Level.SEVERE;
            case WARN -> Level.WARNING;
            case INFO -> Level.INFO;
            case DEBUG -> Level.FINE;
            case TRACE -> Level.FINEST;
        };
    }

    /**
     * The component: the logger's class without the package, prefixed by virtwire's module for our own
     * ({@code io.virtwire.forwarder.engine.Forwarder} is {@code forwarder.Forwarder}); other loggers keep their name.
     */
    static String component(String logger) {
        if (logger == null || logger.isEmpty()) {
            return "root";
        }
        if (!logger.startsWith("io.virtwire.")) {
            return logger;
        }
        String rest = logger.substring("io.virtwire.".length());
        int firstDot = rest.indexOf('.');
        String module = firstDot < 0 ? rest : rest.substring(0, firstDot);
        String simple = logger.substring(logger.lastIndexOf('.') + 1);
        return module.equals(simple) ? module : module + "." + simple;
    }

    private static String topFrame(Throwable t) {
        StackTraceElement[] st = t.getStackTrace();
        return st.length == 0 ? null : st[0].getClassName() + "." + st[0].getMethodName() + ":" + st[0].getLineNumber();
    }
}
