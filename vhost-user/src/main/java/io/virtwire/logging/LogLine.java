package io.virtwire.logging;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * One log record as one line: {@code 2026-12-07T00:01:02.345Z INFO forwarder: port added port=vm1 type=vhost-user}.
 * Time in UTC with milliseconds, the level ({@link Level}), the component, a colon, the message, then
 * {@code key=value} fields; a value with a space, a quote, an equals sign or a backslash is quoted JSON-style, and a
 * line break anywhere becomes {@code \n}, so a record never spans two lines.
 */
public final class LogLine {

    /** The levels, with their syslog priority (the {@code <N>} journald reads at the start of a line). */
    public enum Level {
        ERROR(3), WARN(4), INFO(6), DEBUG(7), TRACE(7);

        private final int priority;

        Level(int priority) {
            this.priority = priority;
        }

        public int syslogPriority() {
            return priority;
        }

        /**
         * {@code error}, {@code warn}, {@code info}, {@code debug} or {@code trace}, any case.
         *
         * @throws IllegalArgumentException naming the levels
         */
        public static Level parse(String text, String where) {
            if (text != null) {
                for (Level l : values()) {
                    if (l.name().equalsIgnoreCase(text.strip()) || (l == WARN && "warning".equalsIgnoreCase(text.strip()))) {
                        return l;
                    }
                }
            }
            throw new IllegalArgumentException(where + " '" + text + "' is not a log level: use error, warn, info, debug"
                    + " or trace");
        }

        public String lowerCase() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private LogLine() {
    }

    /**
     * @param fields key, value, key, value ...; a null value is left out
     */
    public static String format(Instant time, Level level, String component, String message, Object... fields) {
        StringBuilder b = new StringBuilder(96);
        b.append(time.truncatedTo(ChronoUnit.MILLIS)).append(' ').append(level.name()).append(' ')
                .append(component).append(": ");
        oneLine(b, message == null ? "" : message);
        for (int i = 0; i + 1 < fields.length; i += 2) {
            if (fields[i + 1] == null) {
                continue;
            }
            b.append(' ').append(fields[i]).append('=');
            value(b, String.valueOf(fields[i + 1]));
        }
        return b.toString();
    }

    /** {@code <N>} for journald in front of {@code line}. */
    public static String withPriority(Level level, String line) {
        return "<" + level.syslogPriority() + ">" + line;
    }

    private static void oneLine(StringBuilder b, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n') {
                b.append("\\n");
            } else if (c == '\r') {
                b.append("\\r");
            } else if (c < 0x20 && c != '\t') {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
    }

    private static void value(StringBuilder b, String v) {
        boolean plain = !v.isEmpty();
        for (int i = 0; i < v.length() && plain; i++) {
            char c = v.charAt(i);
            plain = c > ' ' && c != '"' && c != '=' && c != '\\' && c != 0x7f;
        }
        if (plain) {
            b.append(v);
            return;
        }
        b.append('"');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
