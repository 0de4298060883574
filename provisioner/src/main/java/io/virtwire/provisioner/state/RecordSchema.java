package io.virtwire.provisioner.state;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.virtwire.provisioner.model.MacAddress;
import io.virtwire.provisioner.model.PciAddress;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The allocation record's schema, checked on every read: the record decides which VF is free and what a VF is
 * restored to, so a value the code would misread (a missing field, {@code allocations: null}, an unknown state,
 * a string where a number belongs, a key given twice) is refused with the entry and field named, instead of being
 * read as "empty" or failing later with a NullPointerException. Nothing is coerced: {@code "vlan": "7"} and
 * {@code "vlan": 7.0} are errors, like unknown fields.
 */
final class RecordSchema {

    /** A record that breaks the schema; the message names the entry and field ("allocations[0].kind"). */
    static final class Invalid extends Exception {
        Invalid(String message) {
            super(message);
        }
    }

    static final Set<String> KINDS = Set.of("hostdev", "vdpa", "vhostuser", Allocation.CONTAINER);
    static final Set<String> STATES = Set.of(Allocation.PENDING, Allocation.HELD);
    private static final Set<String> TOP = Set.of("version", "allocations");
    private static final Set<String> ENTRY = Set.of("kind", "device", "domain", "state", "pf", "pfNetdev", "vfIndex", "settings", "previous",
            "mac", "pid", "container");
    private static final Set<String> CONTAINER = Set.of("containerId", "netns", "ifname", "mode", "hostNetdev", "previousDriver", "network");
    private static final Set<String> HOSTDEV_ONLY = Set.of("pf", "pfNetdev", "vfIndex", "settings", "previous");
    private static final Set<String> SETTINGS = Set.of("mac", "vlan", "trust", "spoofchk");

    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private RecordSchema() {
    }

    static AllocationRecord parse(byte[] json) throws Invalid {
        JsonNode root;
        try {
            root = STRICT.readTree(json);
        } catch (JsonParseException e) {
            throw new Invalid(e.getOriginalMessage() + " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr());
        } catch (IOException e) {
            throw new Invalid(e.getMessage());
        }
        if (root == null || root.isMissingNode() || !root.isObject()) {
            throw new Invalid("the file must hold one JSON object {\"version\": " + AllocationRecord.VERSION + ", \"allocations\": [...]}");
        }
        onlyKnown(root, TOP, "");
        JsonNode version = required(root, "version", "");
        if (!version.isIntegralNumber() || !version.canConvertToInt()) {
            throw new Invalid("version must be an integer, not " + describe(version));
        }
        if (version.intValue() != AllocationRecord.VERSION) {
            throw new Invalid("record version " + version.intValue() + ", this virtwire reads version " + AllocationRecord.VERSION);
        }
        JsonNode list = required(root, "allocations", "");
        if (!list.isArray()) {
            throw new Invalid("allocations must be an array (empty when nothing is allocated), not " + describe(list));
        }
        List<Allocation> out = new ArrayList<>();
        Map<String, Integer> devices = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            Allocation a = entry(list.get(i), "allocations[" + i + "]");
            Integer first = devices.putIfAbsent(a.device(), i);
            if (first != null) {
                throw new Invalid("allocations[" + i + "].device " + a.device() + " is also allocations[" + first + "].device (one entry per device)");
            }
            out.add(a);
        }
        return new AllocationRecord(AllocationRecord.VERSION, out);
    }

    private static Allocation entry(JsonNode n, String at) throws Invalid {
        if (!n.isObject()) {
            throw new Invalid(at + " must be an object, not " + describe(n));
        }
        onlyKnown(n, ENTRY, at + ".");
        String kind = oneOf(n, "kind", KINDS, at);
        String device = text(n, "device", at, true);
        String domain = text(n, "domain", at, true);
        String state = oneOf(n, "state", STATES, at);
        String mac = text(n, "mac", at, false);
        if (mac != null) {
            mac(mac, at + ".mac");
        }
        Long pid = null;
        if (present(n, "pid")) {
            JsonNode p = n.get("pid");
            if (!p.isIntegralNumber() || !p.canConvertToLong() || p.longValue() <= 0) {
                throw new Invalid(at + ".pid must be a positive integer, not " + describe(p));
            }
            pid = p.longValue();
        }
        if (!Allocation.CONTAINER.equals(kind) && present(n, "container")) {
            throw new Invalid(at + ".container belongs to kind container only (this entry is kind " + kind + ")");
        }
        boolean vf = "hostdev".equals(kind) || Allocation.CONTAINER.equals(kind);
        if (!vf) {
            for (String f : HOSTDEV_ONLY) {
                if (present(n, f)) {
                    throw new Invalid(at + "." + f + " belongs to kind hostdev only (this entry is kind " + kind + ")");
                }
            }
            return new Allocation(kind, device, domain, state, null, null, null, null, null, mac, pid);
        }
        try {
            PciAddress.parse(device);
        } catch (IllegalArgumentException e) {
            throw new Invalid(at + ".device must be the VF's PCI address for kind " + kind + ": " + e.getMessage());
        }
        String pf = text(n, "pf", at, true);
        try {
            PciAddress.parse(pf);
        } catch (IllegalArgumentException e) {
            throw new Invalid(at + ".pf must be the PF's PCI address: " + e.getMessage());
        }
        String pfNetdev = text(n, "pfNetdev", at, false);
        JsonNode index = required(n, "vfIndex", at + ".");
        if (!index.isIntegralNumber() || !index.canConvertToInt() || index.intValue() < 0) {
            throw new Invalid(at + ".vfIndex must be an integer >= 0, not " + describe(index));
        }
        // settings: absent on an entry made by hand or by an older virtwire; the hook and AER recovery then skip re-applying
        VfSettings settings = present(n, "settings") ? settings(n.get("settings"), at + ".settings") : null;
        VfSettings previous = present(n, "previous") ? settings(n.get("previous"), at + ".previous") : null;
        ContainerHolder holder = null;
        if (Allocation.CONTAINER.equals(kind)) {
            JsonNode c = required(n, "container", at + ".");
            if (!c.isObject()) {
                throw new Invalid(at + ".container must be an object {containerId, netns, ifname, mode}, not " + describe(c));
            }
            onlyKnown(c, CONTAINER, at + ".container.");
            String where = at + ".container";
            holder = new ContainerHolder(text(c, "containerId", where, true), text(c, "netns", where, true), text(c, "ifname", where, true),
                    oneOf(c, "mode", Set.of(ContainerHolder.NETDEV, ContainerHolder.VFIO), where), text(c, "hostNetdev", where, false),
                    text(c, "previousDriver", where, false), text(c, "network", where, false));
        }
        return new Allocation(kind, device, domain, state, pf, pfNetdev, index.intValue(), settings, previous, mac, pid, holder);
    }

    private static VfSettings settings(JsonNode n, String at) throws Invalid {
        if (!n.isObject()) {
            throw new Invalid(at + " must be an object {mac, vlan, trust, spoofchk}, not " + describe(n));
        }
        onlyKnown(n, SETTINGS, at + ".");
        String mac = text(n, "mac", at, true);
        mac(mac, at + ".mac");
        JsonNode vlan = required(n, "vlan", at + ".");
        if (!vlan.isIntegralNumber() || !vlan.canConvertToInt() || vlan.intValue() < 0 || vlan.intValue() > 4094) {
            throw new Invalid(at + ".vlan must be an integer 0..4094 (0 for untagged), not " + describe(vlan));
        }
        return new VfSettings(mac.toLowerCase(), vlan.intValue(), bool(n, "trust", at), bool(n, "spoofchk", at));
    }

    private static Boolean bool(JsonNode n, String field, String at) throws Invalid {
        if (!present(n, field)) {
            return null;
        }
        JsonNode v = n.get(field);
        if (!v.isBoolean()) {
            throw new Invalid(at + "." + field + " must be true or false, not " + describe(v));
        }
        return v.booleanValue();
    }

    private static void mac(String mac, String at) throws Invalid {
        try {
            MacAddress.parse(mac);
        } catch (IllegalArgumentException e) {
            throw new Invalid(at + " '" + mac + "' is not a MAC address: " + e.getMessage());
        }
    }

    private static String oneOf(JsonNode n, String field, Set<String> allowed, String at) throws Invalid {
        String v = text(n, field, at, true);
        if (!allowed.contains(v)) {
            throw new Invalid(at + "." + field + " '" + v + "' is not one of " + String.join(", ", allowed.stream().sorted().toList()));
        }
        return v;
    }

    private static String text(JsonNode n, String field, String at, boolean requiredField) throws Invalid {
        if (!present(n, field)) {
            if (requiredField) {
                throw new Invalid(at + "." + field + " is missing");
            }
            return null;
        }
        JsonNode v = n.get(field);
        if (!v.isTextual() || v.textValue().isBlank()) {
            throw new Invalid(at + "." + field + " must be a non-empty string, not " + describe(v));
        }
        return v.textValue();
    }

    private static JsonNode required(JsonNode n, String field, String prefix) throws Invalid {
        if (!present(n, field)) {
            throw new Invalid(prefix + field + (n.has(field) ? " is null" : " is missing") + ("allocations".equals(field) && prefix.isEmpty()
                    ? " (an empty record has \"allocations\": [])" : ""));
        }
        return n.get(field);
    }

    /** Absent and {@code null} are the same to the writer (it omits nulls), so both count as "not given". */
    private static boolean present(JsonNode n, String field) {
        return n.has(field) && !n.get(field).isNull();
    }

    private static void onlyKnown(JsonNode n, Set<String> known, String prefix) throws Invalid {
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!known.contains(f)) {
                throw new Invalid(prefix + f + " is not a field of the record (known: " + String.join(", ", known.stream().sorted().toList()) + ")");
            }
        }
    }

    private static String describe(JsonNode v) {
        String type = switch (v.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> v.isIntegralNumber() ? "an integer" : "a fraction";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            default -> v.getNodeType().toString().toLowerCase();
        };
        String shown = v.toString();
        return type + (v.isContainerNode() || v.isNull() ? "" : " (" + (shown.length() > 40 ? shown.substring(0, 40) + "..." : shown) + ")");
    }
}
