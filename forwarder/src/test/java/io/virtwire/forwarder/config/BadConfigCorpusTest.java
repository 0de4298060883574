package io.virtwire.forwarder.config;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every file in src/test/resources/bad-config is refused with {@code file:line:column: message}. Each file's first
 * line says what to expect: {@code # expect: LINE:COLUMN part|part...} (parts the message must contain).
 */
class BadConfigCorpusTest {

    static final Path CORPUS = Path.of("src/test/resources/bad-config");
    private static final java.util.regex.Pattern JAVA_NAME = java.util.regex.Pattern.compile("\\b[a-z]+(\\.[a-z0-9]+)+\\.[A-Z]\\w+");

    record Expectation(Path file, String lineColumn, List<String> parts) {
    }

    static List<Expectation> corpus() throws Exception {
        List<Expectation> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(CORPUS)) {
            for (Path f : files.sorted().toList()) {
                byte[] bytes = Files.readAllBytes(f);
                int nl = 0;
                while (bytes[nl] != '\n') {
                    nl++;
                }
                String first = new String(bytes, 0, nl, StandardCharsets.US_ASCII);
                assertTrue(first.startsWith("# expect: "), f + " must start with '# expect: LINE:COL parts'");
                String[] e = first.substring("# expect: ".length()).split(" ", 2);
                out.add(new Expectation(f, e[0], List.of(e[1].split("\\|"))));
            }
        }
        assertTrue(out.size() >= 15, "the corpus is there: " + out.size());
        return out;
    }

    @Test
    void everyBadFileIsRefusedAtItsLineAndColumn() throws Exception {
        List<String> failures = new ArrayList<>();
        for (Expectation e : corpus()) {
            ConfigException ex = assertThrows(ConfigException.class, () -> ForwarderConfig.load(e.file()),
                    e.file() + " must be refused");
            String m = ex.getMessage();
            String prefix = e.file() + ":" + e.lineColumn() + ": ";
            boolean ok = m.startsWith(prefix) && e.parts().stream().allMatch(m::contains)
                    && !m.contains("com.fasterxml") && !m.contains("java.lang") && !m.contains("Input length")
                    // no Java class name of any package (io.virtwire...., java.util.List, MetricsConfig)
                    && !JAVA_NAME.matcher(m).find() && !m.contains("MetricsConfig")
                    && !m.contains("PortConfig") && !m.contains("ForwarderConfig");
            if (!ok) {
                failures.add(e.file().getFileName() + ": expected '" + prefix + "...' with " + e.parts() + ", got: " + m);
            }
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void aRefusedValueIsQuotedFromItsOwnPlaceNotFromALaterDuplicate() {
        Path f = CORPUS.resolve("fraction-then-duplicate.yaml");
        String m = assertThrows(ConfigException.class, () -> ForwarderConfig.load(f)).getMessage();
        assertFalse(m.contains("got 2"), "the 1.5 at line 3 is what was refused there: " + m);
    }

    @Test
    void aGoodFileNextToThemLoads() throws Exception {
        Path f = Files.createTempFile("sctl-good", ".yaml");
        try {
            Files.writeString(f, "workers: 1\nworkerCpus: [0]\nsocketDir: /run/virtwire\nextraSocketDirs: [/var/lib/x]\n"
                    + "controlMaxClients: 8\ncontrolIdleSeconds: 5\nports:\n  - {name: a, socket: /run/virtwire/a.sock, queues: 2}\n");
            ForwarderConfig c = ForwarderConfig.load(f);
            assertEquals(8, c.controlMaxClientsOrDefault());
            assertEquals(5, c.controlIdleSecondsOrDefault());
            assertEquals(List.of("/var/lib/x"), c.extraSocketDirsOrEmpty());
            assertFalse(c.portsOrEmpty().isEmpty());
        } finally {
            Files.delete(f);
        }
    }
}
