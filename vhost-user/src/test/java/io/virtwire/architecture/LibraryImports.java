package io.virtwire.architecture;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The other half of {@link ImportRules}: where a library (or another module) may be imported at all, e.g. "only
 * {@code io.virtwire.provisioner.libvirt} imports {@code org.libvirt}". Reads import lines, with comments and strings
 * blanked as {@link SourceReferences} does.
 */
public final class LibraryImports {

    private static final Pattern PACKAGE = Pattern.compile("\\bpackage\\s+([\\w.]+)\\s*;");
    private static final Pattern IMPORT = Pattern.compile("(?m)^\\s*import\\s+(?:static\\s+)?([\\w.]+)");

    private LibraryImports() {
    }

    /**
     * One line per import of a prefix (a package prefix such as {@code picocli} or {@code com.google.inject}) in a
     * package other than its owner; {@code owner} "(none)" means nobody may import it.
     */
    public static List<String> outsideTheirOwner(Path root, Map<String, String> ownerByPrefix) {
        List<String> wrong = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                String code = SourceReferences.blankCommentsAndStrings(Files.readString(file));
                Matcher pkg = PACKAGE.matcher(code);
                String from = pkg.find() ? pkg.group(1) : "";
                Matcher m = IMPORT.matcher(code);
                while (m.find()) {
                    String imported = m.group(1);
                    int line = (int) code.substring(0, m.start(1)).chars().filter(c -> c == '\n').count() + 1;
                    ownerByPrefix.forEach((prefix, owner) -> {
                        if ((imported.equals(prefix) || imported.startsWith(prefix + ".")) && !from.equals(owner)) {
                            wrong.add(file + ":" + line + ": " + from + " imports " + imported + " (only " + owner + " may)");
                        }
                    });
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return wrong;
    }
}
