package io.virtwire.forwarder.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The config file as text: strict UTF-8 decoding and {@code file:line:column} for a value found by JSON Pointer. */
final class ConfigText {

    private ConfigText() {
    }

    static String at(Path file, int line, int column) {
        return file + ":" + line + ":" + column + ":";
    }

    /** The text, or a {@link ConfigException} naming the first byte that is not UTF-8 (the JDK says "Input length = 1"). */
    static String decode(Path file, byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(in).toString();
        } catch (CharacterCodingException e) {
            int bad = in.position();
            int line = 1;
            int lineStart = 0;
            for (int i = 0; i < bad; i++) {
                if (bytes[i] == '\n') {
                    line++;
                    lineStart = i + 1;
                }
            }
            throw new ConfigException("", at(file, line, bad - lineStart + 1) + " the file is not UTF-8 text (byte 0x"
                    + String.format("%02x", bytes[bad] & 0xff) + " at offset " + bad + "); save the config as UTF-8");
        }
    }

    /**
     * The document as a plain tree (for quoting a refused value), or null if even that cannot be read. Duplicate
     * keys make it null too: a last-wins tree would quote the other occurrence's value at this one's position.
     */
    static JsonNode tree(String text) {
        try {
            YAMLMapper yaml = new YAMLMapper();
            yaml.getFactory().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            return yaml.readTree(text);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static final Pattern MARK = Pattern.compile("line (\\d+), column (\\d+)");

    /**
     * Where a parse or mapping error is: a mapping error by its field (the key for an unknown one, else the value),
     * a YAML syntax error by the parser's problem mark, anything else by the parser's position.
     */
    static String where(Path file, String text, JsonProcessingException e) {
        if (e instanceof MismatchedInputException m && !m.getPath().isEmpty()) {
            return locate(file, text, StrictMapping.pointerOf(m), e instanceof UnrecognizedPropertyException);
        }
        String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        Matcher mark = MARK.matcher(message);
        String last = null;
        while (mark.find()) {
            last = at(file, Integer.parseInt(mark.group(1)), Integer.parseInt(mark.group(2)));
        }
        if (last != null) {
            return last;
        }
        JsonLocation l = e.getLocation();
        return l == null ? file + ":" : at(file, l.getLineNr(), l.getColumnNr());
    }

    /** {@code file:line:column:} of the value (or key) at {@code pointer}, or of its nearest enclosing value found. */
    static String locate(Path file, String text, String pointer, boolean key) {
        Locations where = locations(text);
        String p = pointer;
        while (true) {
            JsonLocation l = key ? where.keys.get(p) : null;
            if (l == null) {
                l = where.values.get(p);
            }
            if (l == null) {
                l = where.keys.get(p);
            }
            if (l != null) {
                return at(file, l.getLineNr(), l.getColumnNr());
            }
            if (p.isEmpty()) {
                return at(file, 1, 1);
            }
            p = p.substring(0, p.lastIndexOf('/'));
        }
    }

    private record Locations(Map<String, JsonLocation> keys, Map<String, JsonLocation> values) {
    }

    /** Every key's and value's position, by JSON Pointer, from one pass over the YAML tokens. */
    private static Locations locations(String text) {
        Locations out = new Locations(new HashMap<>(), new HashMap<>());
        try (JsonParser p = new YAMLFactory().createParser(text)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                JsonStreamContext ctx = p.getParsingContext();
                if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                    ctx = ctx.getParent();
                }
                if (ctx == null) {
                    continue;
                }
                String ptr = ctx.pathAsPointer().toString();
                if (t == JsonToken.FIELD_NAME) {
                    out.keys.putIfAbsent(ptr, p.currentTokenLocation());
                } else if (t != JsonToken.END_OBJECT && t != JsonToken.END_ARRAY) {
                    out.values.putIfAbsent(ptr, p.currentTokenLocation());
                }
            }
        } catch (IOException | RuntimeException e) {
            // it parsed once already; whatever was found so far is all we can say
        }
        return out;
    }
}
