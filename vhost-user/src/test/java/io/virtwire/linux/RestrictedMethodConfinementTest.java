package io.virtwire.linux;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Only io.virtwire.linux may link native code or widen segments; everything else must stay bounds-checked. */
class RestrictedMethodConfinementTest {

    private static final Pattern RESTRICTED = Pattern.compile(
            "\\.reinterpret\\(|downcallHandle\\(|upcallStub\\(|libraryLookup\\(|nativeLinker\\(|System\\.loadLibrary");

    @Test
    void restrictedFfmMethodsAppearOnlyInTheLinuxPackage() throws IOException {
        Path sources = Path.of("src/main/java");
        assertTrue(Files.isDirectory(sources), "run from the module directory; looked for " + sources.toAbsolutePath());
        Path allowed = sources.resolve("io/virtwire/linux");
        try (Stream<Path> files = Files.walk(sources)) {
            List<String> offenders = files
                    .filter(p -> p.toString().endsWith(".java") && !p.startsWith(allowed))
                    .filter(p -> RESTRICTED.matcher(read(p)).find())
                    .map(Path::toString)
                    .toList();
            assertEquals(List.of(), offenders);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
