package io.virtwire.forwarder.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** bin/virtwire-forwarder as a separate process (the launcher the benchmark and systemd use). */
final class ForwarderProcess implements AutoCloseable {

    private final Process process;
    private final Path log;

    private ForwarderProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    static Path launcher() {
        Path root = Path.of(System.getProperty("virtwire.root", ".."));
        Path bin = root.resolve("bin/virtwire-forwarder");
        if (!Files.isExecutable(bin) || !Files.exists(root.resolve("forwarder/target/virtwire-forwarder.jar"))) {
            throw new AssertionError(bin + " or forwarder/target/virtwire-forwarder.jar is missing: run mvn verify"
                    + " (the jar is packaged before integration tests) or scripts/setup");
        }
        return bin;
    }

    static ForwarderProcess start(Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(launcher().toString());
        cmd.addAll(List.of(args));
        return new ForwarderProcess(ChildProcess.startLogged(cmd, log, true), log);
    }

    /** Waits (30 s at most) until every one of {@code sockets} exists; fails with the log if the forwarder exits first. */
    void awaitSockets(Path... sockets) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!allExist(sockets)) {
            if (System.nanoTime() > deadline || !isAlive()) {
                throw new AssertionError("the forwarder did not open its sockets:\n" + log());
            }
            Thread.sleep(50);
        }
    }

    private static boolean allExist(Path[] paths) {
        for (Path p : paths) {
            if (!Files.exists(p)) {
                return false;
            }
        }
        return true;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    void kill9() throws Exception {
        new ProcessBuilder("kill", "-9", Long.toString(process.pid())).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM, as systemd stops it; returns the exit code. */
    int terminate() throws Exception {
        process.destroy();
        return ChildProcess.awaitExit(process, 15);
    }

    /** Waits for it to exit by itself (bad usage) and returns the exit code. */
    int terminateAfterExit() throws Exception {
        return ChildProcess.awaitExit(process, 60);
    }

    String log() {
        return ChildProcess.readLog(log);
    }

    @Override
    public void close() throws Exception {
        ChildProcess.stop(process, 10);
    }
}
