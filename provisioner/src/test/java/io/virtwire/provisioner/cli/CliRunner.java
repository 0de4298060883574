package io.virtwire.provisioner.cli;

import com.google.inject.Module;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Runs the CLI in-process with captured streams, a controlled environment and optional binding overrides. */
public final class CliRunner {

    private final Map<String, String> env = new HashMap<>();
    private final Module[] overrides;
    private String stdin = "";

    private static final java.nio.file.Path TEST_STATE = java.nio.file.Path.of("target", "cli-runner-state").toAbsolutePath();

    public CliRunner(Module... overrides) {
        this.overrides = overrides;
    }

    public CliRunner env(String name, String value) {
        env.put(name, value);
        return this;
    }

    public CliRunner stdin(String text) {
        this.stdin = text;
        return this;
    }

    public Result run(String... args) {
        // never the real /var/lib/virtwire, /run/virtwire or forwarder from a test, unless a test names them
        env.putIfAbsent("VIRTWIRE_STATE_DIR", TEST_STATE.resolve("state").toString());
        env.putIfAbsent("VIRTWIRE_RUN_DIR", TEST_STATE.resolve("run").toString());
        env.putIfAbsent("VIRTWIRE_FORWARDER_SOCK", TEST_STATE.resolve("run").resolve("no-forwarder.sock").toString());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CliIo io = new CliIo(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), new PrintWriter(out, true), new PrintWriter(err, true));
        int code = VirtwireCli.run(args, io, new Environment(Map.copyOf(env)), overrides);
        return new Result(code, out.toString(), err.toString());
    }

    public record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }
}
