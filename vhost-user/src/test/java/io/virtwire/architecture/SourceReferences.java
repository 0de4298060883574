package io.virtwire.architecture;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Which {@code io.virtwire} packages each file of a source tree refers to: its imports (plain and static) and any
 * fully qualified name in the code, so a dependency cannot hide behind {@code io.virtwire.x.Type} written inline.
 * Comments and string literals are blanked first (line breaks kept), so javadoc links and messages do not count.
 */
public final class SourceReferences {

    /** One reference: {@code file}:{@code line} in package {@code from} names a type of package {@code to}. */
    public record Reference(Path file, int line, String from, String to) {
        public String arrow() {
            return from + " -> " + to;
        }

        @Override
        public String toString() {
            return file + ":" + line + ": " + arrow();
        }
    }

    /** A package is the lower-case segments before the first capitalised one (the type). */
    private static final Pattern NAME = Pattern.compile("\\bio\\.virtwire((?:\\.[a-z_][a-z0-9_]*)*)\\.[A-Z]");
    private static final Pattern PACKAGE = Pattern.compile("\\bpackage\\s+([\\w.]+)\\s*;");

    private SourceReferences() {
    }

    /** Every cross-package reference in the {@code .java} files below {@code root}, in file order. */
    public static List<Reference> scan(Path root) {
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("no source tree at " + root.toAbsolutePath()
                    + ": run the test from the module directory (Maven does)");
        }
        List<Reference> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                scanFile(file, out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The packages below {@code root} that hold at least one {@code .java} file other than package-info. */
    public static List<String> packages(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> p.toString().endsWith(".java") && !p.endsWith("package-info.java"))
                    .map(p -> root.relativize(p.getParent()).toString().replace('/', '.'))
                    .distinct().sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void scanFile(Path file, List<Reference> out) throws IOException {
        String code = blankCommentsAndStrings(Files.readString(file));
        Matcher pkg = PACKAGE.matcher(code);
        if (!pkg.find()) {
            throw new IllegalStateException(file + " has no package declaration");
        }
        String from = pkg.group(1);
        Matcher m = NAME.matcher(code);
        int line = 1;
        int scanned = 0;
        while (m.find()) {
            String to = "io.virtwire" + m.group(1);
            line += countLines(code, scanned, m.start());
            scanned = m.start();
            if (!to.equals(from) && m.start() > pkg.end()) {
                out.add(new Reference(file, line, from, to));
            }
        }
    }

    private static int countLines(String s, int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) {
            if (s.charAt(i) == '\n') {
                n++;
            }
        }
        return n;
    }

    /** Replaces comments, string and char literals (text blocks too) by spaces, keeping every line break. */
    static String blankCommentsAndStrings(String src) {
        StringBuilder b = new StringBuilder(src);
        int i = 0;
        int n = src.length();
        while (i < n) {
            char c = src.charAt(i);
            if (c == '/' && i + 1 < n && src.charAt(i + 1) == '/') {
                int end = src.indexOf('\n', i);
                i = blank(b, i, end < 0 ? n : end);
            } else if (c == '/' && i + 1 < n && src.charAt(i + 1) == '*') {
                int end = src.indexOf("*/", i + 2);
                i = blank(b, i, end < 0 ? n : end + 2);
            } else if (src.startsWith("\"\"\"", i)) {
                int end = src.indexOf("\"\"\"", i + 3);
                i = blank(b, i, end < 0 ? n : end + 3);
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < n && src.charAt(j) != c && src.charAt(j) != '\n') {
                    j += src.charAt(j) == '\\' ? 2 : 1;
                }
                i = blank(b, i, Math.min(n, j + 1));
            } else {
                i++;
            }
        }
        return b.toString();
    }

    private static int blank(StringBuilder b, int from, int to) {
        for (int k = from; k < to; k++) {
            if (b.charAt(k) != '\n') {
                b.setCharAt(k, ' ');
            }
        }
        return to;
    }
}
