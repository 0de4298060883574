package io.virtwire.architecture;

import io.virtwire.architecture.SourceReferences.Reference;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The allowed dependency directions between a module's packages, as a table: each package and the
 * {@code io.virtwire} packages it may refer to (besides itself; the JDK and libraries are not checked). The same
 * table is written down in docs/architecture.md ("Allowed dependencies"); change both together.
 *
 * <p>Arrows that run the wrong way today and that a planned step removes are listed as known wrong: they pass, but
 * only while they still occur, so the list cannot outlive the fix.
 */
public final class ImportRules {

    private final Map<String, Set<String>> allowed;
    private final Map<String, String> knownWrong;

    private ImportRules(Map<String, Set<String>> allowed, Map<String, String> knownWrong) {
        this.allowed = allowed;
        this.knownWrong = knownWrong;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Checks every main source file below {@code root}.
     *
     * @return one line per problem, naming the file:line of each forbidden reference; empty when the tree keeps the
     *         table
     */
    public List<String> check(Path root) {
        List<String> problems = new ArrayList<>();
        List<String> packages = SourceReferences.packages(root);
        for (String p : packages) {
            if (!allowed.containsKey(p)) {
                problems.add("package " + p + " has no row in the table of allowed dependencies: add one (here and in"
                        + " docs/architecture.md) saying which packages it may use");
            }
        }
        for (String p : allowed.keySet()) {
            if (!packages.contains(p)) {
                problems.add("the table has a row for " + p + ", which has no sources below " + root
                        + ": remove the row (here and in docs/architecture.md)");
            }
        }
        Set<String> wrongSeen = new LinkedHashSet<>();
        for (Reference r : SourceReferences.scan(root)) {
            Set<String> may = allowed.get(r.from());
            if (may == null || may.contains(r.to())) {
                continue;
            }
            if (knownWrong.containsKey(r.arrow())) {
                wrongSeen.add(r.arrow());
                continue;
            }
            problems.add(r.file() + ":" + r.line() + ": " + r.arrow() + " is not an allowed direction (" + r.from()
                    + " may use " + (may.isEmpty() ? "no other io.virtwire package" : String.join(", ", may)) + ")");
        }
        for (Map.Entry<String, String> w : knownWrong.entrySet()) {
            if (!wrongSeen.contains(w.getKey())) {
                problems.add("the known-wrong arrow " + w.getKey() + " (" + w.getValue() + ") no longer occurs: remove it"
                        + " from the known-wrong list (here and in docs/architecture.md)");
            }
        }
        return problems;
    }

    public static final class Builder {
        private final Map<String, Set<String>> allowed = new LinkedHashMap<>();
        private final Map<String, String> knownWrong = new LinkedHashMap<>();

        /** {@code from} may refer to exactly {@code to} (and itself). */
        public Builder allow(String from, String... to) {
            if (allowed.putIfAbsent(from, new LinkedHashSet<>(List.of(to))) != null) {
                throw new IllegalArgumentException("two rows for " + from);
            }
            return this;
        }

        /** Tolerates {@code from -> to} until {@code fix} lands; fails once the arrow is gone. */
        public Builder knownWrong(String from, String to, String fix) {
            knownWrong.put(from + " -> " + to, fix);
            return this;
        }

        public ImportRules build() {
            return new ImportRules(new LinkedHashMap<>(allowed), new LinkedHashMap<>(knownWrong));
        }
    }
}
