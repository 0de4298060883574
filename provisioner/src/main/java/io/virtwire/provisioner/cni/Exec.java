package io.virtwire.provisioner.cni;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs one tool (ip, nsenter, an IPAM plugin) with a bounded wait; output through temp files so nothing blocks on a pipe. */
final class Exec {

    record Result(int exit, String stdout, String stderr) {
    }

    static final long TIMEOUT_SECONDS = 30;

    private Exec() {
    }

    static Result run(List<String> argv, Map<String, String> env, byte[] stdin) {
        Path out = null;
        Path err = null;
        Path in = null;
        try {
            out = Files.createTempFile("virtwire-cni", ".out");
            err = Files.createTempFile("virtwire-cni", ".err");
            ProcessBuilder pb = new ProcessBuilder(argv).redirectOutput(out.toFile()).redirectError(err.toFile());
            if (stdin != null) {
                in = Files.createTempFile("virtwire-cni", ".in");
                Files.write(in, stdin);
                pb.redirectInput(in.toFile());
            } else {
                pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            }
            if (env != null) {
                pb.environment().putAll(env);
            }
            Process p = pb.start();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new CniError(CniError.HOST_FAILED, "'" + String.join(" ", argv) + "' did not finish in " + TIMEOUT_SECONDS + "s", null);
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            throw new CniError(CniError.HOST_FAILED, "cannot run '" + String.join(" ", argv) + "': " + e.getMessage(),
                    "is " + argv.getFirst() + " installed? (iproute2, util-linux)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CniError(CniError.HOST_FAILED, "interrupted running '" + String.join(" ", argv) + "'", null);
        } finally {
            for (Path p : new Path[] {out, err, in}) {
                if (p != null) {
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException ignored) {
                        // a temp file left behind is harmless
                    }
                }
            }
        }
    }

    /** Runs and returns stdout; a non-zero exit is a HOST_FAILED error with the tool's stderr. */
    static String ok(List<String> argv) {
        Result r = run(argv, null, null);
        if (r.exit() != 0) {
            throw new CniError(CniError.HOST_FAILED, "'" + String.join(" ", argv) + "' failed (exit " + r.exit() + "): " + r.stderr(), null);
        }
        return r.stdout();
    }
}
