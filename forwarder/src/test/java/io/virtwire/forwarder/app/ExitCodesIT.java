package io.virtwire.forwarder.app;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The daemon's exit codes as docs/forwarder.md states them (issue 13, finding 9): every file of the bad-config
 * corpus (src/test/resources/bad-config, each naming its expected {@code line:column} in its first line) exits 2
 * with {@code file:line:column: message} on stderr; SIGINT and SIGTERM are a normal stop, exit 0.
 */
@Timeout(300)
class ExitCodesIT {

    @TempDir
    Path dir;

    @Test
    void everyBadConfigExitsTwoWithFileLineAndColumn() throws Exception {
        List<String> failures = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of("src/test/resources/bad-config"))) {
            files = s.sorted().toList();
        }
        assertTrue(files.size() >= 15, "the corpus is there: " + files);
        for (Path f : files) {
            byte[] bytes = Files.readAllBytes(f);
            String first = new String(bytes, StandardCharsets.ISO_8859_1).lines().findFirst().orElseThrow();
            String lineColumn = first.substring("# expect: ".length()).split(" ")[0];
            Path log = dir.resolve(f.getFileName() + ".log");
            try (LaunchedDaemon d = LaunchedDaemon.start(log, "--config", f.toAbsolutePath().toString(),
                    "--control", dir.resolve("never.sock").toString())) {
                int code = d.awaitExit(60);
                String err = d.log();
                String expected = "virtwire-forwarder: " + f.toAbsolutePath() + ":" + lineColumn + ": ";
                if (code != 2 || !err.startsWith(expected) || err.contains("Exception") || err.contains("com.fasterxml")) {
                    failures.add(f.getFileName() + ": exit " + code + ", expected 2 and '" + expected + "...', got: " + err);
                }
            }
        }
        assertEquals(List.of(), failures);
        assertFalse(Files.exists(dir.resolve("never.sock")), "no bad config got as far as the control socket");
    }

    @Test
    void sigintAndSigtermAreANormalStop() throws Exception {
        for (String signal : List.of("INT", "TERM")) {
            Path control = dir.resolve("c-" + signal + ".sock");
            Path state = dir.resolve("state-" + signal);
            try (LaunchedDaemon d = LaunchedDaemon.start(dir.resolve(signal + ".log"), "--control", control.toString(),
                    "--config", config(state).toString())) {
                d.awaitControl(control);
                d.signal(signal);
                assertEquals(0, d.awaitExit(30), "SIG" + signal + " is a normal stop; log:\n" + d.log());
                assertFalse(Files.exists(control), "the control socket is removed on SIG" + signal);
                assertTrue(d.log().contains("stopped"), d.log());
            }
        }
    }

    private Path config(Path state) throws Exception {
        Path f = dir.resolve(state.getFileName() + ".yaml");
        Files.writeString(f, "stateDir: " + state + "\n");
        return f;
    }
}
