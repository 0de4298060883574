package io.virtwire.provisioner.state;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** hook.log and watch.log: the forwarder's one-line format, key=value fields, and a bounded size. */
class HookLogTest {

    static final String LINE = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z (ERROR|WARN|INFO) (hook|watch): .* pid=\\d+";

    @TempDir
    Path dir;

    @Test
    void oneLinePerEventWithLevelComponentAndFields() throws Exception {
        StringWriter err = new StringWriter();
        HookLog log = new HookLog(dir.resolve("hook.log"), new PrintWriter(err), "hook", HookLog.MAX_BYTES, Map.of());
        log.line("vm1 prepare: VF 0000:01:10.0: re-applied", "domain", "vm1", "op", "prepare");
        log.error("vm1 release: FAILED: lock busy\nsecond line", "domain", "vm1", "op", "release");
        List<String> lines = Files.readAllLines(log.file());
        assertEquals(2, lines.size(), "a line break in a message stays on its line: " + lines);
        assertTrue(lines.stream().allMatch(l -> l.matches(LINE)), lines.toString());
        assertTrue(lines.get(0).contains(" INFO hook: vm1 prepare: VF 0000:01:10.0: re-applied domain=vm1 op=prepare pid="), lines.get(0));
        assertTrue(lines.get(1).contains(" ERROR hook: vm1 release: FAILED: lock busy\\nsecond line domain=vm1 op=release"), lines.get(1));
        assertEquals(String.join("\n", lines) + "\n", err.toString(), "stderr has the same lines");
    }

    @Test
    void withJournalStreamStderrCarriesPrioritiesTheFileDoesNot() throws Exception {
        StringWriter err = new StringWriter();
        HookLog log = new HookLog(dir.resolve("watch.log"), new PrintWriter(err), "watch", HookLog.MAX_BYTES,
                Map.of("JOURNAL_STREAM", "8:1"));
        log.warn("poll failed (will retry): x");
        assertTrue(err.toString().startsWith("<4>"), err.toString());
        assertTrue(Files.readString(log.file()).matches(LINE + "\n"), Files.readString(log.file()));
    }

    @Test
    void theLogStaysBounded() throws Exception {
        HookLog log = new HookLog(dir.resolve("hook.log"), new PrintWriter(new StringWriter()), "hook", 4096, Map.of());
        for (int i = 0; i < 2000; i++) {
            log.line("vm" + i + " prepare: nothing of virtwire's in this domain", "domain", "vm" + i);
        }
        assertTrue(Files.size(log.file()) <= 4096, "the file: " + Files.size(log.file()));
        assertTrue(Files.size(log.rotated()) <= 4096, "the previous generation: " + Files.size(log.rotated()));
        assertTrue(Files.readString(log.file()).contains("domain=vm1999 "), "the newest line is in the file");
        try (var s = Files.list(dir)) {
            assertEquals(2, s.count(), "FILE and FILE.1, nothing else");
        }
    }
}
