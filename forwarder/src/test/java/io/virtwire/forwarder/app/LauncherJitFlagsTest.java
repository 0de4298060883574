package io.virtwire.forwarder.app;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JIT flags both forwarder launchers take from {@code scripts/lib/forwarder-jit.sh} (docs/benchmarks.md,
 * "Session 8"): every {@code CompileCommand} names a method that exists (a renamed one would be matched by nothing,
 * silently, and the data path would lose its measured shape), and a JVM started with the flags accepts them and
 * writes nothing on stdout, which carries {@code --output json}.
 */
class LauncherJitFlagsTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    private static List<String> flags() throws Exception {
        Path lib = ROOT.resolve("scripts/lib/forwarder-jit.sh");
        assertTrue(Files.isRegularFile(lib), lib + " is missing");
        String source = "set -euo pipefail; . \"$1\"; printf '%s' \"$VIRTWIRE_FORWARDER_JIT_OPTS\"";
        Process p = new ProcessBuilder("bash", "-c", source, "bash", lib.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "sourcing " + lib + " did not finish");
        assertEquals(0, p.exitValue(), "sourcing " + lib + " under set -euo pipefail failed: " + out);
        return Arrays.stream(out.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList();
    }

    @Test
    void everyCompileCommandNamesAMethodThatExists() throws Exception {
        List<String> directives = flags().stream().filter(f -> f.startsWith("-XX:CompileCommand=") && f.contains("::")).toList();
        assertFalse(directives.isEmpty(), "no method directives in " + flags());
        for (String d : directives) {
            String body = d.substring("-XX:CompileCommand=".length());
            String command = body.substring(0, body.indexOf(','));
            assertTrue(command.equals("inline") || command.equals("dontinline"), d + ": not inline/dontinline");
            String target = body.substring(body.indexOf(',') + 1);
            String className = target.substring(0, target.indexOf("::"));
            String method = target.substring(target.indexOf("::") + 2);
            Class<?> c = Class.forName(className, false, getClass().getClassLoader());
            assertTrue(Arrays.stream(c.getDeclaredMethods()).anyMatch(m -> m.getName().equals(method)),
                    d + ": " + className + " has no method " + method + " (renamed? update scripts/lib/forwarder-jit.sh)");
        }
    }

    @Test
    void aJvmStartsWithTheFlagsAndPrintsNothingOnStdout() throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(flags());
        cmd.add("-version");
        Process p = new ProcessBuilder(cmd).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "java -version did not finish");
        assertEquals(0, p.exitValue(), cmd + " failed: " + err);
        assertEquals("", out, "the flags made the JVM print on stdout (CompileCommand without quiet?)");
        assertFalse(err.contains("warning"), "the JVM warned about the flags: " + err);
    }
}
