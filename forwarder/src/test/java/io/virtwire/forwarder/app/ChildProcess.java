package io.virtwire.forwarder.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the tests' long-running children (the forwarder, QEMU) share: started with stdout and stderr in a log file,
 * waited for with a bound, stopped with SIGTERM and then SIGKILL so that no test leaves one behind.
 */
final class ChildProcess {

    private ChildProcess() {
    }

    /** Starts {@code cmd} with both streams in {@code log}, appended to it or replacing it. */
    static Process startLogged(List<String> cmd, Path log, boolean append) throws IOException {
        return startLogged(cmd, log, append, java.util.Map.of());
    }

    /** As above, with {@code env} added to the inherited environment. */
    static Process startLogged(List<String> cmd, Path log, boolean append, java.util.Map<String, String> env)
            throws IOException {
        ProcessBuilder.Redirect to = append ? ProcessBuilder.Redirect.appendTo(log.toFile()) : ProcessBuilder.Redirect.to(log.toFile());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(to);
        pb.environment().putAll(env);
        return pb.start();
    }

    /** Waits up to {@code seconds} for {@code p} to exit and returns its code; kills it and returns -1 if it does not. */
    static int awaitExit(Process p, int seconds) throws InterruptedException {
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            return -1;
        }
        return p.exitValue();
    }

    /** SIGTERM if it still runs, up to {@code graceSeconds} to exit, then SIGKILL. */
    static void stop(Process p, int graceSeconds) throws InterruptedException {
        if (p.isAlive()) {
            p.destroy();
            if (!p.waitFor(graceSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** The log's text for a failure message, or why there is none. */
    static String readLog(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
