package io.virtwire.forwarder.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.cfg.MapperBuilder;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.type.LogicalType;

import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One set of parsing rules for the YAML config and the JSON control API: a value has the type its field says
 * (no {@code "4"} for 4, no 2.7 for an integer, no 123 for a name), unknown fields and duplicate keys are errors,
 * nothing may follow the document. And the words for a refusal, without Jackson's class names.
 */
public final class StrictMapping {

    private static final Pattern DUPLICATE = Pattern.compile("Duplicate field '([^']*)'");

    private StrictMapping() {
    }

    public static <M extends ObjectMapper, B extends MapperBuilder<M, B>> M build(B builder) {
        M m = builder
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, DeserializationFeature.FAIL_ON_TRAILING_TOKENS,
                        DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY,
                        DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT, DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .build();
        m.getFactory().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        for (CoercionInputShape s : List.of(CoercionInputShape.String, CoercionInputShape.EmptyString,
                CoercionInputShape.Float, CoercionInputShape.Boolean)) {
            m.coercionConfigFor(LogicalType.Integer).setCoercion(s, CoercionAction.Fail);
        }
        for (CoercionInputShape s : List.of(CoercionInputShape.Integer, CoercionInputShape.Float,
                CoercionInputShape.Boolean)) {
            m.coercionConfigFor(LogicalType.Textual).setCoercion(s, CoercionAction.Fail);
        }
        for (CoercionInputShape s : List.of(CoercionInputShape.String, CoercionInputShape.EmptyString,
                CoercionInputShape.Integer, CoercionInputShape.Float)) {
            m.coercionConfigFor(LogicalType.Boolean).setCoercion(s, CoercionAction.Fail);
        }
        for (LogicalType t : List.of(LogicalType.POJO, LogicalType.Collection, LogicalType.Map)) {
            m.coercionConfigFor(t).setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
            m.coercionConfigFor(t).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        }
        return m;
    }

    /** {@code ports[0].queues} from a mapping error's path; {@code prefix} names the enclosing field, if any. */
    public static String pathOf(JsonMappingException e, String prefix) {
        StringBuilder b = new StringBuilder(prefix == null ? "" : prefix);
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                if (!b.isEmpty()) {
                    b.append('.');
                }
                b.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                b.append('[').append(r.getIndex()).append(']');
            }
        }
        return b.toString();
    }

    /** A JSON Pointer ({@code /ports/0/queues}) from a mapping error's path. */
    public static String pointerOf(JsonMappingException e) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            b.append('/').append(r.getFieldName() != null ? r.getFieldName() : Integer.toString(r.getIndex()));
        }
        return b.toString();
    }

    /**
     * What was wrong, in the reader's words: which field, and the rule it broke. {@code prefix} is the enclosing
     * field's name (e.g. {@code port} for a control request's port object) or null.
     */
    public static String describe(JsonProcessingException e, String prefix) {
        return describe(e, prefix, null);
    }

    /** As {@link #describe(JsonProcessingException, String)}, quoting the refused value from {@code root} if given. */
    public static String describe(JsonProcessingException e, String prefix, JsonNode root) {
        String original = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        if (original.startsWith("Trailing token")) {
            return "something follows the end of the document; only one document (one JSON object) is allowed";
        }
        if (e instanceof UnrecognizedPropertyException u) {
            String parent = pathOf(u, prefix);
            int cut = parent.lastIndexOf('.');
            parent = cut < 0 ? (prefix == null ? "" : prefix) : parent.substring(0, cut);
            TreeSet<String> known = new TreeSet<>();
            if (u.getKnownPropertyIds() != null) {
                u.getKnownPropertyIds().forEach(k -> known.add(k.toString()));
            }
            return "unknown field '" + u.getPropertyName() + "'" + (parent.isEmpty() ? "" : " in '" + parent + "'")
                    + "; known fields: " + String.join(", ", known);
        }
        if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            String field = pathOf(m, prefix);
            JsonNode value = root == null ? null : root.at(pointerOf(m));
            String got = value == null || value.isMissingNode() ? "" : ", got " + quote(value.toString());
            return "'" + (field.isEmpty() ? "(the document)" : field) + "' must be " + kind(m.getTargetType()) + got;
        }
        String text = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
        Matcher dup = DUPLICATE.matcher(text);
        if (dup.find()) {
            return "key '" + dup.group(1) + "' appears twice in one object; each key may appear once";
        }
        // the parser's own words (a syntax error), without its source excerpts and "in 'reader'" marks
        String said = String.join("; ", text.lines().filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0)))
                .map(String::strip).toList());
        return (said.isEmpty() ? text.strip() : said).replaceAll(" ?\\(class [^)]*\\)", "")
                .replaceAll("`[a-z.]*\\.([A-Za-z]+)`", "$1");
    }

    private static String quote(String json) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < json.length() && i < 80; i++) {
            char c = json.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        }
        return json.length() > 80 ? b + "..." : b.toString();
    }

    private static String kind(Class<?> target) {
        if (target == Integer.class || target == int.class || target == Long.class || target == long.class) {
            return "a whole number (no quotes, no fraction)";
        }
        if (target == String.class) {
            return "a string (in quotes)";
        }
        if (target == Boolean.class || target == boolean.class) {
            return "true or false (no quotes)";
        }
        if (List.class.isAssignableFrom(target)) {
            return "a list";
        }
        return "an object with named fields";
    }
}
