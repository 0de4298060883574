package io.virtwire.provisioner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * docs/schemas (JSON Schema draft 2020-12, one file per command, error.json shared) and what a test run saw: each
 * document is validated against its schema with a JSON Schema validator library and checked by {@link JsonStyle};
 * problems are collected, not thrown, so one run lists all of them.
 */
final class JsonSchemas {

    static final Path DIR = Path.of("../docs/schemas").toAbsolutePath().normalize();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Schemas come from docs/schemas only (a $ref like "error.json" resolves there); nothing is fetched. */
    private final SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
            b -> b.schemas(JsonSchemas::read));
    private final Map<String, Schema> loaded = new HashMap<>();
    /** Schema name -> how many documents were checked against it. */
    final Map<String, Integer> used = new LinkedHashMap<>();
    final List<String> problems = new ArrayList<>();

    /** Checks {@code text} (one JSON document) against docs/schemas/{@code name}.json and the style rules. */
    void check(String name, String text, String context) {
        int n = used.merge(name, 1, Integer::sum);
        dumpSample(name, n, text);
        Path file = DIR.resolve(name + ".json");
        if (!Files.isRegularFile(file)) {
            problems.add(context + ": no schema " + file + " (every command's JSON output needs one: docs/json-output.md)");
            return;
        }
        JsonNode doc;
        try {
            doc = JSON.readTree(text);
        } catch (IOException e) {
            problems.add(context + ": stdout is not one JSON document (" + e.getMessage() + "): " + text);
            return;
        }
        if (doc == null) {
            problems.add(context + ": printed nothing on stdout");
            return;
        }
        schema(name).validate(text, InputFormat.JSON).forEach(e -> problems.add(context + ": " + name + ".json: " + e + "\n  in " + abbreviate(text)));
        JsonStyle.problems(name, doc).forEach(p -> problems.add(context + ": style: " + p));
    }

    private static String read(String iri) {
        if (!iri.startsWith(DIR.toUri().toString())) {
            return null;
        }
        try {
            return Files.readString(Path.of(java.net.URI.create(iri)));
        } catch (IOException e) {
            throw new UncheckedIOException("a schema refers to " + iri + ", which cannot be read", e);
        }
    }

    /** Problems of the schema files themselves, checked against the draft 2020-12 meta-schema (bundled with the validator). */
    List<String> invalidSchemas() throws IOException {
        Schema meta = registry.getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));
        List<String> out = new ArrayList<>();
        for (String name : files()) {
            meta.validate(Files.readString(DIR.resolve(name + ".json")), InputFormat.JSON).forEach(e -> out.add(name + ".json: " + e));
        }
        return out;
    }

    /** The names (without .json) of every schema file. */
    static TreeSet<String> files() {
        try (var s = Files.list(DIR)) {
            TreeSet<String> names = new TreeSet<>();
            s.map(p -> p.getFileName().toString()).filter(f -> f.endsWith(".json")).forEach(f -> names.add(f.substring(0, f.length() - 5)));
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException("docs/schemas is missing: " + DIR, e);
        }
    }

    private Schema schema(String name) {
        return loaded.computeIfAbsent(name, n -> registry.getSchema(SchemaLocation.of(DIR.resolve(n + ".json").toUri().toString())));
    }

    /** With -Dvirtwire.jsonSamples=DIR, every checked document is also written there (DIR/NAME/N.json), to write schemas from. */
    private static void dumpSample(String name, int n, String text) {
        String dir = System.getProperty("virtwire.jsonSamples");
        if (dir != null) {
            try {
                Path d = Files.createDirectories(Path.of(dir, name));
                Files.writeString(d.resolve(n + ".json"), text);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 600 ? s.substring(0, 600) + "..." : s;
    }
}
