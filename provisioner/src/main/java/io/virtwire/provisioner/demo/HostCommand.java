package io.virtwire.provisioner.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/** Runs a host command (ip, virtlogd, ...) bounded in time and returns its exit code and output. */
public final class HostCommand {

    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./:=@%+,-]+");

    private HostCommand() {
    }

    public record Result(int exit, String output) {
        public boolean ok() {
            return exit == 0;
        }
    }

    /** Runs {@code command}; exit 124 with a message when it does not finish within {@code seconds}. */
    public static Result run(List<String> command, int seconds) {
        java.nio.file.Path output = null;
        try {
            // into a file, not a pipe: a daemon that forks (libvirtd -d) may keep the pipe open long after we return
            output = java.nio.file.Files.createTempFile("virtwire-demo-cmd-", ".out");
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(124, "did not finish within " + seconds + " s");
            }
            return new Result(p.exitValue(), java.nio.file.Files.readString(output, StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            return new Result(127, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(130, "interrupted");
        } finally {
            if (output != null) {
                try {
                    java.nio.file.Files.deleteIfExists(output);
                } catch (IOException ignored) {
                    // a temp file left in /tmp
                }
            }
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
}
