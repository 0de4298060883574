package io.virtwire.provisioner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.virtwire.architecture.ImportRules;
import io.virtwire.architecture.LibraryImports;
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
import org.junit.jupiter.api.Test;

/**
 * Keeps the provisioner's package dependencies pointing the way docs/architecture.md ("provisioner: allowed package
 * dependencies") says, with the checker vhost-user and the forwarder use ({@code io.virtwire.architecture} in
 * vhost-user's test jar): every reference to an {@code io.virtwire} class in code (imports and fully qualified names;
 * comments and strings do not count) must be allowed by {@link #ALLOWED} (and {@link #OTHER_MODULES}). The table itself
 * must have no cycle and must match the one in the docs.
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
        ALLOWED.put("cni", Set.of(ROOT, "allocation", "host", "host.profile", "host.sim", "libvirt", "model", "state"));
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

    /**
     * Packages of the other modules a provisioner package may use: the domain templates (their catalogue and
     * validator) in {@code domain} and {@code cli}, and the vhost-user library only in {@code cli}, for {@code virtwire
     * vhost-user probe} (the QEMU-like frontend and its errno exception), and the shared one-line log format
     * ({@code io.virtwire.logging}, also in the vhost-user jar) in {@code state}, for hook.log and watch.log. The
     * forwarder daemon is driven over its control socket and shares no classes.
     */
    static final Map<String, Set<String>> OTHER_MODULES = Map.of(
            "cli", Set.of("io.virtwire.templates", "io.virtwire.linux", "io.virtwire.vhostuser.frontend", "io.virtwire.logging"),
            "domain", Set.of("io.virtwire.templates"),
            "state", Set.of("io.virtwire.logging"));

    /** Libraries only one package may import (prefix -> that package, relative). */
    static final Map<String, String> ONLY_IN = Map.of(
            "org.libvirt", "libvirt", // LibvirtGateway is our whole view of libvirt
            "picocli", "cli",
            "com.google.inject", "cli"); // no Guice at all since cli/Wiring (plain constructors); if it came back, only there

    private static final String BASE = "io.virtwire.provisioner";
    private static final Path SOURCES = Path.of("src/main/java");
    private static final Path DOC = Path.of("../docs/architecture.md");
    private static final String DOC_HEADING = "### provisioner: allowed package dependencies";

    /** The table as the shared checker takes it: full package names. */
    static ImportRules rules() {
        ImportRules.Builder b = ImportRules.builder();
        ALLOWED.forEach((from, to) -> {
            List<String> may = new ArrayList<>(to.stream().map(PackageDependenciesTest::full).toList());
            may.addAll(OTHER_MODULES.getOrDefault(from, Set.of()));
            b.allow(full(from), may.toArray(String[]::new));
        });
        return b.build();
    }

    @Test
    void everyArrowBetweenPackagesIsAllowed() {
        List<String> problems = rules().check(SOURCES);
        assertEquals(List.of(), problems, "arrows the layering does not allow (move the class, or change the table here and in"
                + " docs/architecture.md with a reason):\n" + String.join("\n", problems));
    }

    @Test
    void librariesAreImportedOnlyWhereTheirPackageIs() {
        Map<String, String> owners = new LinkedHashMap<>();
        ONLY_IN.forEach((prefix, pkg) -> owners.put(prefix, full(pkg)));
        List<String> wrong = LibraryImports.outsideTheirOwner(SOURCES, owners);
        assertEquals(List.of(), wrong, String.join("\n", wrong));
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

    private static String full(String relative) {
        return relative.equals(ROOT) ? BASE : BASE + "." + relative;
    }
}
