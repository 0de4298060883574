package io.virtwire.provisioner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The style rules of every JSON document virtwire prints (docs/json-output.md), checked on any document by walking
 * every key and value, whatever its schema says: a schema only knows the keys it lists, this catches the rest.
 *
 * <ul>
 *   <li>every key is camelCase ({@code ^[a-z][a-zA-Z0-9]*$}), except in maps whose keys are data (kernel parameter,
 *       driver and file names: {@link #DATA_KEYED});</li>
 *   <li>no key {@code changes} (it is {@code changed});</li>
 *   <li>a key {@code error} holds null or {@code {"kind": string, "message": string}}, nothing else;</li>
 *   <li>no value -1, {@code ""} or {@code "none"} (null means "none"; values inside data-keyed maps are the host's own).</li>
 * </ul>
 */
final class JsonStyle {

    private static final Pattern CAMEL = Pattern.compile("^[a-z][a-zA-Z0-9]*$");

    /**
     * Maps whose keys are names from the host, not field names (JSON pointers, "*" for any array index): per schema, as
     * the schemas declare them ({@code additionalProperties} without {@code properties}).
     */
    static final Map<String, Set<String>> DATA_KEYED = Map.of(
            "host-show", Set.of("/iommu/cmdlineFlags", "/drivers", "/kernel/files", "/kernel/moduleParameters"));

    private JsonStyle() {
    }

    /** Every breach of the rules in {@code doc}, as "POINTER: what"; empty when it keeps them. */
    static List<String> problems(String schema, JsonNode doc) {
        List<String> out = new java.util.ArrayList<>();
        walk(doc, "", DATA_KEYED.getOrDefault(schema, Set.of()), false, out);
        return out;
    }

    private static void walk(JsonNode n, String at, Set<String> dataKeyed, boolean hostData, List<String> out) {
        if (n.isObject()) {
            boolean data = dataKeyed.contains(at);
            n.properties().forEach(e -> {
                String key = e.getKey();
                if (!data && !CAMEL.matcher(key).matches()) {
                    out.add(at + "/" + key + ": key is not camelCase");
                }
                if (!data && key.equals("changes")) {
                    out.add(at + "/" + key + ": 'changes' where the style says 'changed'");
                }
                if (!data && key.equals("error") && !isError(e.getValue())) {
                    out.add(at + "/" + key + ": an error must be null or {\"kind\": ..., \"message\": ...}, got " + e.getValue());
                }
                walk(e.getValue(), at + "/" + (data ? "*" : key), dataKeyed, hostData || data, out);
            });
        } else if (n.isArray()) {
            for (JsonNode item : n) {
                walk(item, at + "/*", dataKeyed, hostData, out);
            }
        } else if (n.isNumber() && n.asDouble() == -1) {
            out.add(at + ": -1 where the style says null for none");
        } else if (!hostData && n.isTextual() && (n.asText().isEmpty() || n.asText().equals("none"))) {
            out.add(at + ": \"" + n.asText() + "\" where the style says null for none");
        }
    }

    private static boolean isError(JsonNode e) {
        return e.isNull() || (e.isObject() && e.path("kind").isTextual() && e.path("message").isTextual());
    }
}
