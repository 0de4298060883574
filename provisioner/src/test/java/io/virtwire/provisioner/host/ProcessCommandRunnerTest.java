package io.virtwire.provisioner.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one process runner, on real processes (sh, sleep): its time limit holds and it never waits for a stray child. */
class ProcessCommandRunnerTest {

    @Test
    void aToolWhoseChildKeepsItsOutputOpenIsReadWhenTheToolExits() {
        // a pipe read to its end would wait for the background sleep (8 s); the runner reads once sh has exited
        String out = assertTimeoutPreemptively(Duration.ofSeconds(4),
                () -> new ProcessCommandRunner().run(List.of("sh", "-c", "sleep 8 & echo hi")));
        assertEquals("hi\n", out);
    }

    @Test
    void aHungToolIsStoppedAtTheTimeLimit() {
        // the limit runs from the start: it used to start only once the tool had closed its output, i.e. had ended
        CommandException e = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThrows(CommandException.class,
                () -> new ProcessCommandRunner(Duration.ofSeconds(1)).run(List.of("sleep", "20"))));
        assertEquals("'sleep 20' did not finish within 1 s", e.getMessage());
    }

    /**
     * Issue 18 item 7: a tool that hangs with its stdout open (here a shell whose two sleeps share it, one in the
     * background) is stopped at the limit, not when its output ends, and nothing of it keeps running afterwards.
     */
    @Test
    void aToolThatHangsWithItsStdoutOpenIsStoppedWithItsChildrenAtTheLimit() throws Exception {
        String marker = "37.0" + (ProcessHandle.current().pid() % 1000); // a sleep only this test runs
        long start = System.nanoTime();
        CommandException e = assertThrows(CommandException.class, () -> new ProcessCommandRunner(Duration.ofSeconds(1))
                .run(List.of("sh", "-c", "echo started; sleep " + marker + " & sleep " + marker + "; echo never")));
        long seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
        assertTrue(seconds < 8, "stopped at the 1 s limit, not when its output ended: " + seconds + " s");
        assertTrue(e.getMessage().contains("did not finish within 1 s"), e.getMessage());
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        List<String> left = sleepsOf(marker);
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
            left = sleepsOf(marker);
        }
        assertEquals(List.of(), left, "the hung tool's children were killed with it");
    }

    private static List<String> sleepsOf(String marker) {
        return ProcessHandle.allProcesses()
                .filter(h -> h.info().commandLine().map(c -> c.endsWith("sleep " + marker)).orElse(false))
                .map(h -> h.pid() + " " + h.info().commandLine().orElse(""))
                .toList();
    }

    @Test
    void aFailingToolIsAnErrorNamingTheCommandAndItsStderr() {
        CommandException e = assertThrows(CommandException.class,
                () -> new ProcessCommandRunner().run(List.of("sh", "-c", "echo out; echo 'no such device' >&2; exit 3")));
        assertEquals("'sh -c echo out; echo 'no such device' >&2; exit 3' failed (exit 3): no such device", e.getMessage());
    }

    @Test
    void toolsRunInTheCLocaleSoErrorTextsMatchTheDocs() {
        assertEquals("C\n", new ProcessCommandRunner().run(List.of("sh", "-c", "echo $LC_ALL")));
    }

    @Test
    void executeStopsAProgramAtItsTimeLimit() {
        long start = System.nanoTime();
        ProcessCommandRunner.Result r = ProcessCommandRunner.execute(List.of("sleep", "20"), Duration.ofSeconds(1));
        assertEquals(ProcessCommandRunner.TIMED_OUT, r.exit());
        assertEquals("did not finish within 1 s", r.output());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 5, "the limit did not stop sleep 20");
    }

    @Test
    void executeInterleavesStderrWithStdoutAndStripsIt() {
        ProcessCommandRunner.Result r = ProcessCommandRunner.execute(List.of("sh", "-c", "echo one; echo two >&2; echo three; exit 2"),
                Duration.ofSeconds(10));
        assertEquals(new ProcessCommandRunner.Result(2, "one\ntwo\nthree"), r);
    }

    @Test
    void executeOfAMissingProgramIsExit127() {
        ProcessCommandRunner.Result r = ProcessCommandRunner.execute(List.of("/nonexistent/virtwire-l15p-tool"), Duration.ofSeconds(5));
        assertEquals(ProcessCommandRunner.NOT_STARTED, r.exit());
        assertTrue(r.output().contains("virtwire-l15p-tool"), r.output());
    }
}
