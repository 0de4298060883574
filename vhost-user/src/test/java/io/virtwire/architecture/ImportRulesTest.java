package io.virtwire.architecture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checker itself: what it counts as a reference, and each way a tree can break the table. */
class ImportRulesTest {

    @TempDir
    Path root;

    private void write(String pkg, String type, String body) throws IOException {
        Path dir = root.resolve(pkg.replace('.', '/'));
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(type + ".java"), "package " + pkg + ";\n" + body);
    }

    private static ImportRules queueOverMemory() {
        return ImportRules.builder()
                .allow("io.virtwire.memory")
                .allow("io.virtwire.virtio.queue", "io.virtwire.memory")
                .build();
    }

    @Test
    void anImportAgainstTheTableIsReportedWithFileAndLine() throws IOException {
        write("io.virtwire.memory", "GuestMemory", "public class GuestMemory {}\n");
        write("io.virtwire.virtio.queue", "Ring", """
                
                import io.virtwire.memory.GuestMemory;
                import io.virtwire.vhostuser.memory.IotlbCache;
                
                class Ring {}
                """);
        List<String> problems = queueOverMemory().check(root);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.getFirst().startsWith(root.resolve("io/virtwire/virtio/queue/Ring.java") + ":4: "
                + "io.virtwire.virtio.queue -> io.virtwire.vhostuser.memory is not an allowed direction"), problems.getFirst());
    }

    @Test
    void staticImportsAndNamesWrittenInlineCountButCommentsAndStringsDoNot() throws IOException {
        write("io.virtwire.memory", "GuestMemory", """
                import static io.virtwire.linux.Mman.PAGE;
                /** See {@link io.virtwire.virtio.queue.SplitQueue}. */
                class GuestMemory {
                    // io.virtwire.vhostuser.backend.BackendSession
                    String s = "io.virtwire.forwarder.app.Main";
                    String t = \"""
                        io.virtwire.forwarder.app.Main
                        \""";
                    Object o = new io.virtwire.vhostuser.memory.MemoryTable();
                }
                """);
        write("io.virtwire.virtio.queue", "Ring", "class Ring {}\n");
        List<String> problems = queueOverMemory().check(root);
        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("GuestMemory.java:2: io.virtwire.memory -> io.virtwire.linux "), problems.get(0));
        assertTrue(problems.get(1).contains("GuestMemory.java:10: io.virtwire.memory -> io.virtwire.vhostuser.memory "),
                problems.get(1));
    }

    @Test
    void aPackageWithoutARowAndARowWithoutAPackageAreReported() throws IOException {
        write("io.virtwire.memory", "GuestMemory", "class GuestMemory {}\n");
        write("io.virtwire.virtio.ring", "Ring", "class Ring {}\n");
        List<String> problems = queueOverMemory().check(root);
        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("package io.virtwire.virtio.ring has no row"), problems.get(0));
        assertTrue(problems.get(1).startsWith("the table has a row for io.virtwire.virtio.queue, which has no sources"),
                problems.get(1));
    }

    @Test
    void aKnownWrongArrowPassesWhileItOccursAndFailsOnceItIsGone() throws IOException {
        ImportRules rules = ImportRules.builder()
                .allow("io.virtwire.forwarder.app", "io.virtwire.forwarder.control")
                .allow("io.virtwire.forwarder.control")
                .knownWrong("io.virtwire.forwarder.control", "io.virtwire.forwarder.app", "issue 15: Forwarder leaves app")
                .build();
        write("io.virtwire.forwarder.app", "Daemon", "import io.virtwire.forwarder.control.ControlServer;\nclass Daemon {}\n");
        write("io.virtwire.forwarder.control", "ControlServer", "import io.virtwire.forwarder.app.Forwarder;\nclass ControlServer {}\n");
        assertEquals(List.of(), rules.check(root));

        write("io.virtwire.forwarder.control", "ControlServer", "class ControlServer {}\n");
        List<String> problems = rules.check(root);
        assertEquals(List.of("the known-wrong arrow io.virtwire.forwarder.control -> io.virtwire.forwarder.app (issue 15:"
                + " Forwarder leaves app) no longer occurs: remove it from the known-wrong list (here and in"
                + " docs/architecture.md)"), problems);
    }
}
