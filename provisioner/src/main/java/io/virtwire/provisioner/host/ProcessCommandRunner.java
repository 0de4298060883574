package io.virtwire.provisioner.host;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The one way virtwire runs a host program: the iproute2 tools behind {@link CommandRunner} ({@link #run}, C locale so
 * error texts match what the docs quote) and the demo's commands ({@link #execute}: ip, virtlogd -d, libvirtd -d).
 *
 * <p>Every run is bounded in time and reads no stdin. Output goes to temp files, not pipes: a daemon that forks
 * ({@code libvirtd -d}) or a tool's stray child can keep a pipe open long after the tool exits, and reading a pipe to
 * its end would wait for it, so the time limit could not stop anything. With files, the limit starts when the
 * program starts and the output is read once it has exited. A program that overruns the limit is killed with its
 * children (a hung tool whose helper still writes to the output is stopped too).
 */
public final class ProcessCommandRunner implements CommandRunner {

    /** The limit of {@link #run}: the iproute2 tools answer in milliseconds; more means the kernel or a driver hangs. */
    public static final Duration TOOL_TIMEOUT = Duration.ofSeconds(30);

    /** Exit code {@link #execute} reports when the time limit stopped the program (as coreutils' timeout does). */
    public static final int TIMED_OUT = 124;
    /** Exit code {@link #execute} reports when the program could not be started (as a shell does). */
    public static final int NOT_STARTED = 127;
    /** Exit code {@link #execute} reports when this thread was interrupted while waiting. */
    public static final int INTERRUPTED = 130;

    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./:=@%+,-]+");

    /** What one run gave: the exit code and the output, stdout and stderr interleaved as the program wrote them. */
    public record Result(int exit, String output) {
        public boolean ok() {
            return exit == 0;
        }
    }

    private final Duration timeout;

    /** A runner for the iproute2 tools, limited to {@link #TOOL_TIMEOUT}. */
    public ProcessCommandRunner() {
        this(TOOL_TIMEOUT);
    }

    public ProcessCommandRunner(Duration timeout) {
        this.timeout = timeout;
    }

    @Override
    public String run(List<String> argv) {
        Finished f;
        try {
            f = start(argv, timeout, false, Map.of("LC_ALL", "C"));
        } catch (IOException e) {
            throw new CommandException("cannot run '" + String.join(" ", argv) + "': " + e.getMessage()
                    + " (install iproute2 for ip/devlink/vdpa)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandException("interrupted while running '" + String.join(" ", argv) + "'");
        }
        if (f == null) {
            throw new CommandException("'" + String.join(" ", argv) + "' did not finish within " + timeout.toSeconds() + " s");
        }
        if (f.exit() != 0) {
            throw new CommandException("'" + String.join(" ", argv) + "' failed (exit " + f.exit() + "): " + f.stderr().strip());
        }
        return f.stdout();
    }

    /**
     * Runs {@code command} with this process's environment and never throws for the program's failure: exit
     * {@link #TIMED_OUT} when it does not finish within {@code timeout} (it is killed), {@link #NOT_STARTED} when it
     * cannot be started, {@link #INTERRUPTED}; the output is stripped.
     */
    public static Result execute(List<String> command, Duration timeout) {
        try {
            Finished f = start(command, timeout, true, Map.of());
            return f == null ? new Result(TIMED_OUT, "did not finish within " + timeout.toSeconds() + " s") : new Result(f.exit(), f.stdout().strip());
        } catch (IOException e) {
            return new Result(NOT_STARTED, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(INTERRUPTED, "interrupted");
        }
    }

    /** The command as a shell line a user can paste (arguments quoted where the shell would split or expand them). */
    public static String line(List<String> command) {
        StringBuilder b = new StringBuilder();
        for (String arg : command) {
            if (!b.isEmpty()) {
                b.append(' ');
            }
            b.append(PLAIN.matcher(arg).matches() ? arg : "'" + arg.replace("'", "'\\''") + "'");
        }
        return b.toString();
    }

    private record Finished(int exit, String stdout, String stderr) {
    }

    /** @return null when the program did not finish in time (it has been killed) */
    private static Finished start(List<String> argv, Duration timeout, boolean mergeStderr, Map<String, String> env)
            throws IOException, InterruptedException {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("virtwire-cmd-", ".out");
            ProcessBuilder pb = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile());
            if (mergeStderr) {
                pb.redirectErrorStream(true);
            } else {
                err = Files.createTempFile("virtwire-cmd-", ".err");
                pb.redirectError(err.toFile());
            }
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                stop(p);
                return null;
            }
            return new Finished(p.exitValue(), text(out), err == null ? "" : text(err));
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    /**
     * Kills a program that overran its limit, and its children first (a shell's {@code sleep}, a tool's helper:
     * left alone they would keep running, and keep the output file open, long after virtwire gave up), then waits
     * briefly for the kernel to reap it so no zombie outlives the call.
     */
    private static void stop(Process p) throws InterruptedException {
        List<ProcessHandle> children = p.descendants().toList();
        p.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        p.waitFor(5, TimeUnit.SECONDS);
    }

    /** Malformed UTF-8 (a driver's odd name) is replaced, not an error: the text is for parsing and messages. */
    private static String text(Path p) throws IOException {
        return new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // a temp file left in /tmp
            }
        }
    }
}
