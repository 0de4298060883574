package io.virtwire.vhostuser.backend;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The back-end's switches over requests, messages, ring layouts and memory models list every case and have no
 * {@code default}: a request added to {@code FrontendRequest}, or a record to the sealed {@code FrontendMessage},
 * then fails to compile until someone decides what the back-end does with it, instead of compiling and throwing
 * at run time (issue 15: the handlers used to pick by a second switch with {@code default -> throw}).
 */
class NoDefaultBranchTest {

    private static final Path BACKEND = Path.of("src/main/java/io/virtwire/vhostuser/backend");
    /** A switch label, not an interface's default method. */
    private static final Pattern DEFAULT_BRANCH = Pattern.compile("\\bdefault\\s*(->|:)");

    @Test
    void backendSwitchesHaveNoDefaultBranch() throws IOException {
        List<String> found = new ArrayList<>();
        int files = 0;
        try (Stream<Path> sources = Files.list(BACKEND)) {
            for (Path p : sources.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                files++;
                List<String> lines = Files.readAllLines(p);
                for (int i = 0; i < lines.size(); i++) {
                    String code = lines.get(i).replaceAll("//.*", "");
                    Matcher m = DEFAULT_BRANCH.matcher(code);
                    if (m.find() && !code.trim().startsWith("*")) {
                        found.add(p.getFileName() + ":" + (i + 1) + ": " + lines.get(i).trim());
                    }
                }
            }
        }
        assertTrue(files > 10, "read the backend sources from " + BACKEND.toAbsolutePath());
        assertEquals(List.of(), found, "list the cases instead, so a new one is a compile error");
    }
}
