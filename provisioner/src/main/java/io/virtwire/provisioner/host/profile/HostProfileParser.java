package io.virtwire.provisioner.host.profile;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.virtwire.provisioner.VirtwireException;
import java.util.stream.Collectors;

/** Parses host.yaml strictly: unknown keys and wrong types are errors naming the key, its line and the accepted keys. */
public final class HostProfileParser {

    private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    public HostProfile parse(String source, String text) {
        if (text == null || text.isBlank()) {
            throw VirtwireException.invalid(source + " is empty; expected keys kernel, pfs, vdpa and/or hugepages");
        }
        try {
            HostProfile p = yaml.readValue(quoteColonScalars(text), HostProfile.class);
            if (p == null) {
                throw VirtwireException.invalid(source + " is empty; expected keys kernel, pfs, vdpa and/or hugepages");
            }
            return p;
        } catch (UnrecognizedPropertyException e) {
            String known = e.getKnownPropertyIds() == null ? "" : e.getKnownPropertyIds().stream().map(Object::toString).sorted()
                    .collect(Collectors.joining(", "));
            throw VirtwireException.invalid(source + " line " + keyLine(text, e) + ": unknown key '" + e.getPropertyName() + "'" + where(e)
                    + "; known keys here: " + known);
        } catch (MismatchedInputException e) {
            throw VirtwireException.invalid(source + " line " + line(e) + ": wrong type for " + path(e) + ": " + e.getOriginalMessage().split("\n")[0]);
        } catch (JsonProcessingException e) {
            throw VirtwireException.invalid(source + " line " + line(e) + ": not valid YAML: " + e.getOriginalMessage());
        }
    }

    private static final java.util.regex.Pattern COLON_SCALAR =
            java.util.regex.Pattern.compile("(?m)^(\\s*(?:-\\s+)?[A-Za-z_][A-Za-z0-9_]*:[ \\t]+)([0-9A-Fa-f]+(?::[0-9A-Fa-f.]+)+)([ \\t]*(?:#.*)?)$");

    /**
     * YAML 1.1 reads unquoted 0000:01:00.1 as a base-60 float and some MACs as base-60 integers; PCI addresses and MACs
     * are strings, so plain scalars of that shape are quoted before parsing (lines stay where they were).
     */
    static String quoteColonScalars(String text) {
        return FLOW_COLON_SCALAR.matcher(COLON_SCALAR.matcher(text).replaceAll("$1\"$2\"$3")).replaceAll("$1\"$2\"");
    }

    /** The same inside flow mappings: {pf: 0000:05:00.0, driver: vfio-pci}. */
    private static final java.util.regex.Pattern FLOW_COLON_SCALAR =
            java.util.regex.Pattern.compile("([{,][ \\t]*[A-Za-z_][A-Za-z0-9_]*:[ \\t]+)([0-9A-Fa-f]+(?::[0-9A-Fa-f.]+)+)(?=[ \\t]*[,}])");

    /**
     * The line of the offending key. Jackson reports where it stopped (the key's value, which may be on a later line),
     * so walk back from there to the line that names the key.
     */
    private static int keyLine(String text, UnrecognizedPropertyException e) {
        int stop = e.getProcessor() instanceof com.fasterxml.jackson.core.JsonParser p && p.currentTokenLocation() != null
                ? p.currentTokenLocation().getLineNr() : line(e);
        String[] lines = text.split("\n", -1);
        java.util.regex.Pattern key = java.util.regex.Pattern.compile("^\\s*(-\\s+)?['\"]?" + java.util.regex.Pattern.quote(String.valueOf(e.getPropertyName())) + "['\"]?\\s*:");
        for (int i = Math.min(stop, lines.length) - 1; i >= 0; i--) {
            if (key.matcher(lines[i]).find()) {
                return i + 1;
            }
        }
        return stop;
    }

    private static int line(JsonProcessingException e) {
        JsonLocation loc = e.getLocation();
        return loc == null ? 0 : loc.getLineNr();
    }

    private static String where(JsonMappingException e) {
        String p = path(e);
        int dot = p.lastIndexOf('.');
        return dot <= 0 ? "" : " in " + p.substring(0, dot);
    }

    /** "pfs[0].vfs[1].vlan" from Jackson's reference chain. */
    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                sb.append(sb.isEmpty() ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }
}
