package io.virtwire.provisioner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtwire.provisioner.forwarder.ForwarderClient;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs the CLI in-process with captured streams, a controlled environment and optional replaced collaborators (Wiring.Seams). */
public final class CliRunner {

    private final Map<String, String> env = new HashMap<>();
    private final Wiring.Replacement[] overrides;
    private String stdin = "";

    private static final java.nio.file.Path TEST_STATE = java.nio.file.Path.of("target", "cli-runner-state").toAbsolutePath();

    public CliRunner(Wiring.Replacement... overrides) {
        this.overrides = overrides;
    }

    public CliRunner env(String name, String value) {
        env.put(name, value);
        return this;
    }

    /** Runs on a fixture host: libvirt's test driver, the fixture's sysfs root, and the given state and run directories. */
    public CliRunner fixtureEnv(java.nio.file.Path host, java.nio.file.Path state, java.nio.file.Path run) {
        return env("LIBVIRT_DEFAULT_URI", "test:///default").env("VIRTWIRE_HOST_ROOT", host.toString())
                .env("VIRTWIRE_STATE_DIR", state.toString()).env("VIRTWIRE_RUN_DIR", run.toString());
    }

    /** A replacement that hands the CLI {@code client} as its forwarder. */
    public static Wiring.Replacement forwarder(ForwarderClient client) {
        return s -> s.forwarder(client);
    }

    public CliRunner stdin(String text) {
        this.stdin = text;
        return this;
    }

    /** {@code r}, after asserting that the command succeeded (exit 0; the message shows its output). */
    public static Result ok(Result r) {
        assertEquals(0, r.exitCode(), r.toString());
        return r;
    }

    /** Runs {@code args} with {@code --output json} on {@code cli}, asserts success and parses stdout. */
    public static JsonNode json(CliRunner cli, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--output", "json"));
        all.addAll(List.of(args));
        return new ObjectMapper().readTree(ok(cli.run(all.toArray(String[]::new))).out());
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
