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
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return new ForwarderProcess(p, log);
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
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            return -1;
        }
        return process.exitValue();
    }

    /** Waits for it to exit by itself (bad usage) and returns the exit code. */
    int terminateAfterExit() throws Exception {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            return -1;
        }
        return process.exitValue();
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
