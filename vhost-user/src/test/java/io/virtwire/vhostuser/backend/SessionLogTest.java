package io.virtwire.vhostuser.backend;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.ResourceBundle;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SessionLogTest {

    /** A System.Logger that keeps what it is given. */
    static final class Lines implements System.Logger {
        final List<String> lines = new ArrayList<>();

        @Override
        public String getName() {
            return "lines";
        }

        @Override
        public boolean isLoggable(Level level) {
            return true;
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
            lines.add(level + " " + msg);
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            lines.add(level + " " + format);
        }
    }

    @Test
    void aLoopOfFailingSessionsWritesABoundedNumberOfLinesAndCountsTheRest() {
        Lines out = new Lines();
        AtomicLong now = new AtomicLong(0);
        SessionLog log = new SessionLog(out, now::get);
        for (int i = 0; i < 10_000; i++) {
            now.addAndGet(1_000_000); // 1 ms apart: 10 s of sessions
            log.log(System.Logger.Level.INFO, "/run/vw.sock: session ends: front-end disconnected " + i);
        }
        assertEquals(SessionLog.BURST, out.lines.size(), "only the first lines of the window are written");
        assertEquals(10_000 - SessionLog.BURST, log.suppressed());

        now.addAndGet(SessionLog.WINDOW_NANOS); // the window is over: the next call writes the summary
        log.flushIfDue();
        assertEquals(SessionLog.BURST + 1, out.lines.size());
        String summary = out.lines.getLast();
        assertTrue(summary.startsWith("INFO /run/vw.sock: session ends: front-end disconnected 9999 (repeated "
                + (10_000 - SessionLog.BURST) + " times in the last 70 s"), summary);

        // a new window writes again
        log.log(System.Logger.Level.WARNING, "next");
        assertEquals("WARNING next", out.lines.getLast());
    }

    @Test
    void theSummaryCarriesTheMostSevereLevelSuppressedAndCloseFlushesIt() {
        Lines out = new Lines();
        AtomicLong now = new AtomicLong(0);
        SessionLog log = new SessionLog(out, now::get);
        for (int i = 0; i < SessionLog.BURST; i++) {
            log.log(System.Logger.Level.INFO, "fill " + i);
        }
        log.log(System.Logger.Level.WARNING, "rejected SET_VRING_NUM");
        log.log(System.Logger.Level.INFO, "session ends");
        log.flush();
        assertTrue(out.lines.getLast().startsWith("WARNING session ends (repeated 2 times"), out.lines.getLast());
        log.flush();
        assertEquals(SessionLog.BURST + 1, out.lines.size(), "nothing left to summarize");
    }
}
