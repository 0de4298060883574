package io.virtwire.provisioner.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtwire.provisioner.host.FixtureHosts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * bin/virtwire's stdout is what `--output json` consumers (Ansible, scripts) parse: a warning from the JVM itself
 * must not land there. By default the JVM prints its warnings to stdout; a CI run with 32 CLI processes at once
 * once got one in front of a JSON answer ("[0.0xxs][warning]...").
 */
class LauncherOutputIT {

    @TempDir
    Path tmp;

    @Test
    void aJvmWarningGoesToStderrAndStdoutStaysJson() throws Exception {
        Path launcher = Path.of(System.getProperty("virtwire.root", "..")).resolve("bin/virtwire").toAbsolutePath().normalize();
        assertTrue(Files.isExecutable(launcher), launcher + " is missing");
        Path host = FixtureHosts.materialize("i350-igb-8vfs", tmp.resolve("host"));
        ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "--output", "json", "--host-root", host.toString(), "host", "show")
                .redirectOutput(tmp.resolve("out.json").toFile()).redirectError(tmp.resolve("err.txt").toFile());
        // a JVM warning on demand: with no large pages configured a unified-logging "[warning][pagesize]" line (the
        // kind the JVM prints to stdout unless told otherwise), with some configured but too few for the heap a
        // "... VM warning: Failed to reserve ... large pages" line; either must reach stderr only
        pb.environment().put("JAVA_TOOL_OPTIONS", "-XX:+UseLargePages");
        Process p = pb.start();
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "bin/virtwire did not finish");
        String err = Files.readString(tmp.resolve("err.txt"));
        assertEquals(0, p.exitValue(), err);
        assertTrue(err.contains("[warning]") || err.contains("VM warning:"), "the JVM warned, on stderr: " + err);
        JsonNode out = new ObjectMapper().readTree(tmp.resolve("out.json").toFile());
        assertTrue(out.isObject(), "stdout is one JSON document: " + out);
    }
}
