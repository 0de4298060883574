package io.virtwire.provisioner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the provisioner's package dependencies pointing the way docs/architecture.md ("provisioner: allowed package
 * dependencies") says. Reads the main sources as text: every reference to an {@code io.virtwire.provisioner} class in
 * code (import lines and fully qualified names; comments and string literals do not count) is an arrow from the
 * file's package to the class's package, and every arrow must be in {@link #ALLOWED}. The table itself must have no
 * cycle and must match the one in the docs.
 */
class PackageDependenciesTest {

    /** The root package, io.virtwire.provisioner (VirtwireException). */
    private static final String ROOT = "(root)";

    /**
     * Package (relative to io.virtwire.provisioner) -> the packages it may use. Top to bottom: the composition root,
     * the features, the services they compose, the values everything shares.
     */
    static final Map<String, Set<String>> ALLOWED = new LinkedHashMap<>();

    static {
        ALLOWED.put("cli", Set.of(ROOT, "aer", "allocation", "demo", "domain", "forwarder", "hook", "host", "host.doctor", "host.profile",
                "host.sim", "libvirt", "libvirt.xml", "model", "nic", "state"));
        ALLOWED.put("demo", Set.of(ROOT, "domain", "forwarder", "host", "libvirt"));
        ALLOWED.put("aer", Set.of(ROOT, "allocation", "state", "host", "host.profile", "libvirt", "libvirt.xml", "model"));
        ALLOWED.put("hook", Set.of(ROOT, "allocation", "state", "forwarder", "host", "host.profile", "libvirt.xml", "model"));
        ALLOWED.put("allocation", Set.of(ROOT, "nic", "state", "forwarder", "host", "host.profile", "libvirt", "libvirt.xml", "model"));
        ALLOWED.put("nic", Set.of(ROOT, "state", "libvirt", "libvirt.xml", "model"));
        ALLOWED.put("domain", Set.of(ROOT, "libvirt", "libvirt.xml", "model"));
        ALLOWED.put("state", Set.of(ROOT, "host", "model"));
        ALLOWED.put("forwarder", Set.of(ROOT, "model"));
        ALLOWED.put("host.doctor", Set.of(ROOT, "host", "model"));
        ALLOWED.put("host.sim", Set.of(ROOT, "host", "host.profile", "model"));
        ALLOWED.put("host.profile", Set.of(ROOT, "host", "model"));
        ALLOWED.put("host", Set.of(ROOT, "model"));
        ALLOWED.put("libvirt", Set.of(ROOT, "libvirt.xml", "model"));
        ALLOWED.put("libvirt.xml", Set.of(ROOT, "model"));
        ALLOWED.put("model", Set.of(ROOT));
        ALLOWED.put(ROOT, Set.of());
    }

    /** Libraries and modules only one package may import (prefix -> that package). */
    static final Map<String, String> ONLY_IN = Map.of(
            "org.libvirt", "libvirt", // LibvirtGateway is our whole view of libvirt
            "picocli", "cli",
            "com.google.inject", "cli", // Guice lives in the application only; the rest has plain constructors
            "io.virtwire.vhostuser", "cli", // vhost-user probe
            "io.virtwire.linux", "cli",
            "io.virtwire.virtio", "cli",
            "io.virtwire.forwarder", "(none)"); // the daemon is driven over its control socket and shares no classes

    private static final String BASE = "io.virtwire.provisioner";
    private static final Path MAIN = Path.of("src/main/java/io/virtwire/provisioner");
    private static final Path DOC = Path.of("../docs/architecture.md");
    private static final String DOC_HEADING = "### provisioner: allowed package dependencies";
    private static final Pattern REFERENCE = Pattern.compile("\\b" + Pattern.quote(BASE) + "\\.((?:[a-z]\\w*\\.)*)[A-Z]");
    private static final Pattern PACKAGE = Pattern.compile("\\bpackage\\s+([\\w.]+)\\s*;");
    private static final Pattern IMPORT = Pattern.compile("(?m)^\\s*import\\s+(?:static\\s+)?([\\w.]+)");

    @Test
    void everyArrowBetweenProvisionerPackagesIsAllowed() throws IOException {
        List<String> wrong = new ArrayList<>();
        Set<String> packages = new TreeSet<>();
        for (Source s : sources()) {
            packages.add(s.pkg());
            if (!ALLOWED.containsKey(s.pkg())) {
                continue;
            }
            Matcher m = REFERENCE.matcher(s.code());
            while (m.find()) {
                String to = relative(m.group(1).isEmpty() ? BASE : BASE + "." + m.group(1).substring(0, m.group(1).length() - 1));
                if (!to.equals(s.pkg()) && !ALLOWED.get(s.pkg()).contains(to)) {
                    wrong.add(s.file() + ": " + s.pkg() + " -> " + to);
                }
            }
        }
        Set<String> unlisted = new TreeSet<>(packages);
        unlisted.removeAll(ALLOWED.keySet());
        assertTrue(unlisted.isEmpty(), "packages missing from ALLOWED (add a row here and in docs/architecture.md): " + unlisted);
        assertTrue(wrong.isEmpty(), "arrows the layering does not allow (move the class, or change the table here and in"
                + " docs/architecture.md with a reason):\n" + String.join("\n", wrong));
    }

    @Test
    void librariesAndOtherModulesAreImportedOnlyWhereTheirPackageIs() throws IOException {
        List<String> wrong = new ArrayList<>();
        for (Source s : sources()) {
            Matcher m = IMPORT.matcher(s.code());
            while (m.find()) {
                String imported = m.group(1);
                ONLY_IN.forEach((prefix, owner) -> {
                    if ((imported.equals(prefix) || imported.startsWith(prefix + ".")) && !s.pkg().equals(owner)) {
                        wrong.add(s.file() + " imports " + imported + " (only " + owner + " may)");
                    }
                });
            }
        }
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }

    @Test
    void theAllowedArrowsHaveNoCycle() {
        for (String start : ALLOWED.keySet()) {
            for (String next : ALLOWED.get(start)) {
                assertTrue(ALLOWED.containsKey(next), start + " -> " + next + ": " + next + " has no row");
                List<String> path = pathTo(next, start, new ArrayList<>(List.of(start, next)), new TreeSet<>());
                if (path != null) {
                    fail("the table has a cycle: " + String.join(" -> ", path));
                }
            }
        }
    }

    @Test
    void theTableInTheDocsIsThisTable() throws IOException {
        Map<String, Set<String>> documented = new TreeMap<>();
        List<String> lines = Files.readAllLines(DOC, StandardCharsets.UTF_8);
        int at = lines.indexOf(DOC_HEADING);
        assertTrue(at >= 0, DOC + " has no section '" + DOC_HEADING + "'");
        Pattern row = Pattern.compile("^\\| `([^`]+)` \\|(.*)\\|\\s*$");
        for (String line : lines.subList(at + 1, lines.size())) {
            if (line.startsWith("#")) {
                break;
            }
            Matcher m = row.matcher(line);
            if (m.matches()) {
                Set<String> to = new TreeSet<>();
                Matcher names = Pattern.compile("`([^`]+)`").matcher(m.group(2));
                while (names.find()) {
                    to.add(names.group(1));
                }
                documented.put(m.group(1), to);
            }
        }
        Map<String, Set<String>> here = new TreeMap<>();
        ALLOWED.forEach((k, v) -> here.put(k, new TreeSet<>(v)));
        assertEquals(here, documented, "docs/architecture.md (" + DOC_HEADING + ") and PackageDependenciesTest.ALLOWED differ");
    }

    @Test
    void onlyCodeNamesADependency() {
        String src = "package io.virtwire.provisioner.nic;\n/** {@link io.virtwire.provisioner.cli.Main} */\n"
                + "class X { // io.virtwire.provisioner.demo.RealDemo\n String s = \"io.virtwire.provisioner.hook.QemuHook\";\n"
                + " io.virtwire.provisioner.state.Allocation a; }";
        Matcher m = REFERENCE.matcher(codeOnly(src));
        List<String> found = new ArrayList<>();
        while (m.find()) {
            found.add(m.group(1));
        }
        assertEquals(List.of("state."), found);
    }

    private static List<String> pathTo(String from, String target, List<String> path, Set<String> seen) {
        if (from.equals(target)) {
            return path;
        }
        if (!seen.add(from)) {
            return null;
        }
        for (String next : ALLOWED.getOrDefault(from, Set.of())) {
            path.add(next);
            List<String> found = pathTo(next, target, path, seen);
            if (found != null) {
                return found;
            }
            path.removeLast();
        }
        return null;
    }

    private record Source(Path file, String pkg, String code) {
    }

    private static List<Source> sources() throws IOException {
        assertTrue(Files.isDirectory(MAIN), MAIN.toAbsolutePath() + " is missing: run the test from the provisioner module");
        List<Source> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                String code = codeOnly(Files.readString(f, StandardCharsets.UTF_8));
                Matcher m = PACKAGE.matcher(code);
                assertTrue(m.find(), f + " has no package declaration");
                out.add(new Source(MAIN.relativize(f), relative(m.group(1)), code));
            }
        }
        return out;
    }

    private static String relative(String pkg) {
        return pkg.equals(BASE) ? ROOT : pkg.substring(BASE.length() + 1);
    }

    /** The source without comments and with empty string, text-block and char literals: only code names a dependency. */
    static String codeOnly(String src) {
        StringBuilder b = new StringBuilder(src.length());
        int i = 0;
        int n = src.length();
        while (i < n) {
            if (src.startsWith("\"\"\"", i)) {
                int end = src.indexOf("\"\"\"", i + 3);
                i = end < 0 ? n : end + 3;
                b.append("\"\"");
            } else if (src.charAt(i) == '"' || src.charAt(i) == '\'') {
                char q = src.charAt(i);
                int j = i + 1;
                while (j < n && src.charAt(j) != q && src.charAt(j) != '\n') {
                    j += src.charAt(j) == '\\' ? 2 : 1;
                }
                b.append(q).append(q);
                i = j + 1;
            } else if (src.startsWith("//", i)) {
                int end = src.indexOf('\n', i);
                i = end < 0 ? n : end;
            } else if (src.startsWith("/*", i)) {
                int end = src.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
                b.append(' ');
            } else {
                b.append(src.charAt(i++));
            }
        }
        return b.toString();
    }
}
