package io.virtwire.logging;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one-line format, journald's priorities, the level's sources and the limit on repeated errors. */
class LogLineTest {

    private static final Instant T = Instant.parse("2026-12-07T00:01:02.345678Z");

    @Test
    void oneLineWithTimeLevelComponentMessageAndFields() {
        assertEquals("2026-12-07T00:01:02.345Z INFO forwarder.Forwarder: port added port=vm1 slot=0",
                LogLine.format(T, LogLine.Level.INFO, "forwarder.Forwarder", "port added", "port", "vm1", "slot", 0,
                        "skipped", null));
        assertEquals("2026-12-07T00:01:02.345Z ERROR hook: a\\nb reason=\"two words\" q=\"say \\\"x\\\"\" e=\"a=b\"",
                LogLine.format(T, LogLine.Level.ERROR, "hook", "a\nb", "reason", "two words", "q", "say \"x\"", "e", "a=b"));
        assertEquals("<4>line", LogLine.withPriority(LogLine.Level.WARN, "line"));
        assertEquals("<3>", LogLine.withPriority(LogLine.Level.ERROR, ""));
        assertEquals("<7>", LogLine.withPriority(LogLine.Level.DEBUG, ""));
    }

    @Test
    void theLevelComesFromTheCommandLineThenTheEnvironmentThenTheConfig() {
        Map<String, String> env = Map.of(LogSetup.ENV, "debug");
        assertEquals(LogLine.Level.WARN, LogSetup.resolve("warn", env, "error"));
        assertEquals(LogLine.Level.DEBUG, LogSetup.resolve(null, env, "error"));
        assertEquals(LogLine.Level.ERROR, LogSetup.resolve(null, Map.of(), "ERROR"));
        assertEquals(LogLine.Level.INFO, LogSetup.resolve(null, Map.of(), null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LogSetup.resolve(null, Map.of(LogSetup.ENV, "loud"), null));
        assertEquals("VIRTWIRE_LOG_LEVEL 'loud' is not a log level: use error, warn, info, debug or trace", e.getMessage());
    }

    @Test
    void repeatedIdenticalErrorsAreLimitedAndSummedUpOthersAreNot() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AtomicLong now = new AtomicLong();
        LineHandler h = new LineHandler(new PrintStream(bytes, true, StandardCharsets.UTF_8), true, now::get);
        for (int i = 0; i < 1000; i++) {
            h.publish(record(Level.SEVERE, "epoll failed: EBADF"));
            h.publish(record(Level.INFO, "tick " + i));
        }
        h.publish(record(Level.WARNING, "another warning"));
        now.addAndGet(LineHandler.WINDOW_NANOS);
        h.publish(record(Level.SEVERE, "epoll failed: EBADF"));
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        long errors = lines.stream().filter(l -> l.startsWith("<3>") && l.contains("epoll failed: EBADF")).count();
        assertEquals(LineHandler.BURST + 2, errors, "10 written, one summary, then the next window's first");
        assertTrue(lines.stream().anyMatch(l -> l.contains("(repeated " + (1000 - LineHandler.BURST) + " times in the last 60 s")),
                String.join("\n", lines.subList(Math.max(0, lines.size() - 5), lines.size())));
        assertEquals(1000, lines.stream().filter(l -> l.startsWith("<6>") && l.contains("tick")).count(), "info is never limited");
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("<4>") && l.contains("WARN forwarder.Forwarder: another warning")));
        assertTrue(lines.stream().allMatch(l -> l.matches("<[0-9]>\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z (ERROR|WARN|INFO) \\S+: .*")),
                "every line has the format");
    }

    @Test
    void aThrowableStaysOnTheLine() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        LineHandler h = new LineHandler(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, System::nanoTime);
        LogRecord r = record(Level.SEVERE, "control request failed");
        r.setThrown(new IllegalStateException("boom\nsecond line"));
        h.publish(r);
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(1, out.lines().count(), out);
        assertTrue(out.contains("ERROR forwarder.Forwarder: control request failed error=\"java.lang.IllegalStateException: boom\\nsecond line\" at="), out);
    }

    @Test
    void componentsAreShort() {
        assertEquals("forwarder.Forwarder", LineHandler.component("io.virtwire.forwarder.engine.Forwarder"));
        assertEquals("vhostuser.SessionLog", LineHandler.component("io.virtwire.vhostuser.backend.SessionLog"));
        assertEquals("com.sun.net.httpserver", LineHandler.component("com.sun.net.httpserver"));
    }

    private static LogRecord record(Level level, String message) {
        LogRecord r = new LogRecord(level, message);
        r.setLoggerName("io.virtwire.forwarder.engine.Forwarder");
        r.setInstant(T);
        return r;
    }
}
