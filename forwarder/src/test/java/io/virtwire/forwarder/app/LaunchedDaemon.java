package io.virtwire.forwarder.app;

import io.virtwire.forwarder.control.ControlClient;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * bin/virtwire-forwarder as its own process, for tests that look at the process from outside: its threads and
 * memory (/proc/PID), its exit code after a signal. Started through perl (part of every Debian base system) so
 * that SIGINT reaches it with its default disposition even when the test JVM was started with SIGINT ignored
 * (as a background job of a non-interactive shell is): an ignored signal stays ignored across exec.
 */
final class LaunchedDaemon implements AutoCloseable {

    private final Process process;
    private final Path log;

    private LaunchedDaemon(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    static LaunchedDaemon start(Path log, String... args) throws IOException {
        return start(log, java.util.Map.of(), args);
    }

    /** As {@link #start(Path, String...)} with {@code env} added to the environment (NOTIFY_SOCKET, ...). */
    static LaunchedDaemon start(Path log, java.util.Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("perl", "-e", "$SIG{INT} = 'DEFAULT'; $SIG{TERM} = 'DEFAULT'; exec @ARGV or die \"exec: $!\"",
                ForwarderProcess.launcher().toString()));
        cmd.addAll(List.of(args));
        return new LaunchedDaemon(ChildProcess.startLogged(cmd, log, true, env), log);
    }

    long pid() {
        return process.pid();
    }

    Process process() {
        return process;
    }

    void awaitControl(Path control) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("the forwarder exited (" + process.exitValue() + "); its log:\n" + log());
            }
            if (Files.exists(control)) {
                try (ControlClient c = new ControlClient(control)) {
                    if (c.call("{\"op\":\"health\"}").get("ok").asBoolean()) {
                        return;
                    }
                } catch (IOException e) {
                    // not listening yet
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the forwarder did not open its control socket; its log:\n" + log());
    }

    /** Threads of the process now (/proc/PID/task): every JVM thread is a kernel task. */
    int threads() throws IOException {
        try (var s = Files.list(Path.of("/proc/" + pid() + "/task"))) {
            return (int) s.count();
        }
    }

    /** Resident memory in KiB (VmRSS). */
    long rssKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS in /proc/" + pid() + "/status");
    }

    void signal(String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new AssertionError("kill -" + name + " " + pid() + " failed");
        }
    }

    /** Waits for the exit and returns its code (-1 if it had to be killed). */
    int awaitExit(int seconds) throws Exception {
        return ChildProcess.awaitExit(process, seconds);
    }

    String log() {
        return ChildProcess.readLog(log);
    }

    @Override
    public void close() throws Exception {
        ChildProcess.stop(process, 15);
    }
}
