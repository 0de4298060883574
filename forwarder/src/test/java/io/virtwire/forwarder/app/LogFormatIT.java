package io.virtwire.forwarder.app;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The launched forwarder logs one line per record, {@code TIME LEVEL COMPONENT: message key=value}, with journald's
 * {@code <N>} when JOURNAL_STREAM is set, at the level of --log-level, else $VIRTWIRE_LOG_LEVEL, else the config.
 */
class LogFormatIT {

    private static final String LINE = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z (ERROR|WARN|INFO|DEBUG|TRACE) \\S+: .*";

    @TempDir
    Path dir;

    @Test
    void oneLinePerRecordWithJournalPrioritiesAndPortFields() throws Exception {
        String log = run("journal", Map.of("JOURNAL_STREAM", "8:12345"), "info");
        List<String> lines = log.lines().filter(l -> !l.isBlank()).toList();
        assertTrue(lines.stream().allMatch(l -> l.matches("<[3467]>" + LINE)), "every line has the format:\n" + log);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("<6>") && l.contains(" INFO forwarder.Forwarder: port added port=a ")),
                log);
        assertTrue(lines.stream().anyMatch(l -> l.contains("INFO forwarder.Main: stopped")), log);
    }

    @Test
    void theLevelComesFromTheCommandLineThenTheEnvironmentThenTheConfig() throws Exception {
        String quiet = run("cli", Map.of("VIRTWIRE_LOG_LEVEL", "debug"), "info", "--log-level", "warn");
        assertFalse(quiet.contains(" INFO "), "--log-level warn wins over the environment:\n" + quiet);
        String fromEnv = run("env", Map.of("VIRTWIRE_LOG_LEVEL", "warn"), "info");
        assertFalse(fromEnv.contains(" INFO "), "the environment wins over the config's info:\n" + fromEnv);
        String fromConfig = run("config", Map.of(), "warn");
        assertFalse(fromConfig.contains(" INFO "), "the config's warn:\n" + fromConfig);
        String plain = run("plain", Map.of(), "info");
        assertTrue(plain.lines().filter(l -> !l.isBlank()).allMatch(l -> l.matches(LINE)), "no <N> without JOURNAL_STREAM:\n" + plain);
        assertTrue(plain.contains(" INFO "), plain);
    }

    @Test
    void aBadLevelIsAUsageError() throws Exception {
        try (LaunchedDaemon d = LaunchedDaemon.start(dir.resolve("bad.log"), Map.of(), "--log-level", "loud",
                "--control", dir.resolve("bad.sock").toString())) {
            assertEquals(2, d.awaitExit(60), d.log());
            assertTrue(d.log().contains("--log-level 'loud' is not a log level: use error, warn, info, debug or trace"), d.log());
        }
    }

    /** Starts the forwarder with a config of one vhost-user port, waits for its control socket, stops it; its log. */
    private String run(String name, Map<String, String> env, String configLevel, String... extra) throws Exception {
        Path control = dir.resolve(name + ".sock");
        Path config = dir.resolve(name + ".yaml");
        Files.writeString(config, "stateDir: " + dir.resolve("state-" + name) + "\nlogLevel: " + configLevel
                + "\nports:\n  - {name: a, socket: " + dir.resolve(name + "-a.sock") + "}\n");
        List<String> args = new java.util.ArrayList<>(List.of("--control", control.toString(), "--config", config.toString()));
        args.addAll(List.of(extra));
        try (LaunchedDaemon d = LaunchedDaemon.start(dir.resolve(name + ".log"), env, args.toArray(String[]::new))) {
            d.awaitControl(control);
            d.signal("TERM");
            assertEquals(0, d.awaitExit(30), d.log());
            return d.log();
        }
    }
}
