package io.virtwire.forwarder.app;

import io.virtwire.forwarder.SilentCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every systemd unit in the repository passes {@code systemd-analyze verify} without a word, and the units order
 * themselves against libvirt on monolithic (libvirtd) and modular (virtqemud) hosts alike. The units name
 * {@code /opt/virtwire/bin/...} (an install in place); verify checks that ExecStart exists, so the copies checked here
 * point at this checkout's bin/ instead.
 */
class SystemdUnitsTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    static List<Path> units() throws Exception {
        try (Stream<Path> s = Files.walk(ROOT)) {
            return s.filter(p -> p.toString().matches(".*\\.(service|socket|timer|path)$"))
                    .filter(p -> !ROOT.relativize(p).toString().matches("(.*/)?(target|\\.git|build)/.*"))
                    .sorted().toList();
        }
    }

    @Test
    void systemdAnalyzeVerifyIsCleanOnEveryUnit() throws Exception {
        Path analyze = Path.of("/usr/bin/systemd-analyze");
        assertTrue(Files.isExecutable(analyze), "systemd-analyze is missing: apt-get install systemd (scripts/setup)");
        List<Path> units = units();
        assertTrue(units.size() >= 2, "the forwarder's and the watcher's units at least: " + units);
        List<String> cmd = new ArrayList<>(List.of(analyze.toString(), "verify", "--man=no"));
        for (Path u : units) {
            Path copy = dir.resolve(u.getFileName());
            Files.writeString(copy, Files.readString(u).replace("/opt/virtwire/bin/", ROOT.resolve("bin") + "/"));
            cmd.add(copy.toString());
        }
        SilentCheck.assertSilent(cmd, null, "systemd-analyze verify " + units);
    }

    @Test
    void theForwarderUnitIsTypeNotifyAndOrderedBeforeBothLibvirtDaemons() throws Exception {
        String unit = Files.readString(ROOT.resolve("forwarder/src/main/dist/virtwire-forwarder.service"));
        assertTrue(unit.lines().anyMatch("Type=notify"::equals), unit);
        assertTrue(unit.lines().anyMatch(l -> l.startsWith("WatchdogSec=")), unit);
        assertTrue(unit.lines().anyMatch(l -> l.startsWith("Before=") && l.contains("libvirtd.service")
                && l.contains("virtqemud.service")), unit);
    }

    @Test
    void noUnitPullsInTheMonolithicLibvirtdAlone() throws Exception {
        for (Path u : units()) {
            for (String l : Files.readAllLines(u)) {
                if (l.startsWith("Wants=") || l.startsWith("Requires=")) {
                    assertFalse(l.contains("libvirtd") && !l.contains("virtqemud"), u + ": " + l
                            + " starts libvirtd beside virtqemud on a modular host");
                }
                if (l.startsWith("After=") && l.contains("libvirtd")) {
                    assertTrue(l.contains("virtqemud"), u + ": " + l + " orders after libvirtd only");
                }
            }
        }
    }
}
