package io.virtwire.forwarder.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.virtwire.forwarder.engine.Forwarder;
import io.virtwire.forwarder.engine.ForwarderException;
import io.virtwire.forwarder.engine.StatsSnapshot;
import io.virtwire.forwarder.state.RememberedPorts;
import io.virtwire.forwarder.config.PortConfig;
import io.virtwire.forwarder.config.StrictMapping;
import io.virtwire.forwarder.config.VlanConfig;
import io.virtwire.forwarder.runtime.PollWorker;
import io.virtwire.forwarder.switching.MacTable;
import io.virtwire.forwarder.switching.SwitchPort;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One JSON request line in, one JSON response line out (docs/forwarder.md lists every request and response).
 * Request: {@code {"op": "...", "id": <optional, echoed>, ...}}. Response: {@code {"id":..,"ok":true,"result":{..}}}
 * or {@code {"id":..,"ok":false,"error":{"kind":"..","message":".."}}} (every virtwire error
 * has that {@code {"error": {"kind", "message"}}} shape, docs/json-output.md). A refused request changes nothing.
 *
 * <p>Strict ({@link StrictMapping}): a value must have its field's JSON type (no {@code "4"} for 4, no 2.7 for an
 * integer, no number for a name), every operation refuses fields it does not take, a key may appear once, and
 * nothing may follow the object on its line. A vhost-user socket path must pass the {@link SocketPathPolicy}.
 */
public final class ControlHandler {

    private static final System.Logger LOG = System.getLogger(ControlHandler.class.getName());

    private static final String OPS = "health, port.list, port.add, port.del, stats, macs";

    private final Forwarder forwarder;
    private final RememberedPorts remembered;
    private final SocketPathPolicy sockets;
    private final ObjectMapper json = StrictMapping.build(JsonMapper.builder());

    public ControlHandler(Forwarder forwarder, RememberedPorts remembered, SocketPathPolicy sockets) {
        this.forwarder = forwarder;
        this.remembered = remembered;
        this.sockets = sockets;
    }

    public String handle(String line) {
        JsonNode id = null;
        try {
            JsonNode req;
            try {
                req = json.readTree(line);
            } catch (JsonProcessingException e) {
                throw new ForwarderException("INVALID_JSON", "the request is not valid JSON: "
                        + StrictMapping.describe(e, null) + "; send one JSON object per line");
            }
            if (req == null || !req.isObject()) {
                throw new ForwarderException("INVALID_JSON", "the request must be a JSON object like {\"op\":\"health\"}");
            }
            id = req.get("id");
            JsonNode op = req.get("op");
            if (op == null || !op.isTextual()) {
                throw new ForwarderException("INVALID_ARGUMENT", "the request has no \"op\" string; ops: " + OPS);
            }
            Object result = switch (op.asText()) {
                case "health" -> {
                    onlyFields(req);
                    yield health();
                }
                case "port.list" -> {
                    onlyFields(req);
                    yield Map.of("ports", portList());
                }
                case "port.add" -> portAdd(req);
                case "port.del" -> portDel(req);
                case "stats" -> stats(req);
                case "macs" -> macs(req);
                default -> throw new ForwarderException("UNKNOWN_OP", "op '" + op.asText()
                        + "' is not one of " + OPS);
            };
            return ok(id, result);
        } catch (ForwarderException e) {
            return error(id, e.code(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "control request failed: " + line, e);
            return error(id, "INTERNAL", e.toString());
        }
    }

    public String refuse(String code, String message) {
        return error(null, code, message);
    }

    private String ok(JsonNode id, Object result) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (id != null) {
            m.put("id", id);
        }
        m.put("ok", true);
        m.put("result", result);
        return write(m);
    }

    private String error(JsonNode id, String code, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (id != null) {
            m.put("id", id);
        }
        m.put("ok", false);
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("kind", code);
        e.put("message", message);
        m.put("error", e);
        return write(m);
    }

    private String write(Object o) {
        try {
            return json.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String requiredText(JsonNode req, String field) throws ForwarderException {
        JsonNode n = req.get(field);
        if (n == null || !n.isTextual()) {
            throw new ForwarderException("INVALID_ARGUMENT", "\"" + field + "\" (a string) is required"
                    + (n == null ? "" : ", got " + kind(n)));
        }
        return n.asText();
    }

    private static String kind(JsonNode n) {
        return switch (n.getNodeType()) {
            case NUMBER -> "the number " + n;
            case BOOLEAN -> n.toString();
            case NULL -> "null";
            case ARRAY -> "a list";
            case OBJECT -> "an object";
            default -> n.toString();
        };
    }

    private void onlyFields(JsonNode req, String... allowed) throws ForwarderException {
        List<String> ok = new ArrayList<>(List.of("op", "id"));
        ok.addAll(List.of(allowed));
        var it = req.fieldNames();
        while (it.hasNext()) {
            String f = it.next();
            if (!ok.contains(f)) {
                throw new ForwarderException("INVALID_ARGUMENT", "unknown field \"" + f + "\"; op "
                        + req.get("op").asText() + " takes only " + ok);
            }
        }
    }

    private Map<String, Object> health() {
        long now = System.currentTimeMillis();
        Map<String, Object> m = new LinkedHashMap<>();
        List<Map<String, Object>> broken = new ArrayList<>();
        int up = 0;
        for (SwitchPort p : forwarder.ports()) {
            if (p.port().brokenReason() != null) {
                broken.add(Map.of("name", p.name(), "reason", p.port().brokenReason()));
            }
            if (p.link().isUp()) {
                up++;
            }
        }
        m.put("status", broken.isEmpty() && !remembered.stateDegraded() ? "ok" : "degraded");
        m.put("pid", ProcessHandle.current().pid());
        m.put("mode", forwarder.mode().name().toLowerCase(java.util.Locale.ROOT));
        m.put("uptimeMillis", now - forwarder.startedMillis());
        m.put("ports", forwarder.ports().size());
        m.put("portsUp", up);
        m.put("brokenPorts", broken);
        List<Map<String, Object>> workers = new ArrayList<>();
        for (PollWorker w : forwarder.workers()) {
            workers.add(Map.of("name", w.name(), "ports", w.portCount()));
        }
        m.put("workers", workers);
        long prev = forwarder.previousHeartbeatMillis();
        m.put("restartedAfterMillis", prev > 0 ? forwarder.startedMillis() - prev : null);
        m.put("stateProblem", remembered.restoreProblem());
        m.put("portsNotRestored", remembered.notRestored());
        return m;
    }

    private List<Map<String, Object>> portList() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (SwitchPort p : forwarder.ports()) {
            out.add(describe(p));
        }
        return out;
    }

    private Map<String, Object> describe(SwitchPort p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", p.name());
        m.put("type", p.port().type());
        m.put("slot", p.slot());
        m.put("up", p.port().isUp());
        m.put("broken", p.port().brokenReason());
        m.put("mtu", p.mtu());
        m.put("vlan", VlanConfig.of(p.vlan()));
        // control: added over this socket and restored after a restart; config: from the config file
        m.put("origin", remembered.isRemembered(p.name()) ? "control" : "config");
        m.putAll(p.port().describe());
        return m;
    }

    private Map<String, Object> portAdd(JsonNode req) throws ForwarderException {
        onlyFields(req, "port");
        JsonNode node = req.get("port");
        if (node == null || !node.isObject()) {
            throw new ForwarderException("INVALID_ARGUMENT", "\"port\" (an object with name, type, socket|iface, ...) is required");
        }
        PortConfig c;
        try {
            c = json.treeToValue(node, PortConfig.class);
        } catch (JsonProcessingException e) {
            throw new ForwarderException("INVALID_ARGUMENT", StrictMapping.describe(e, "port", node));
        }
        try {
            c.validated();
        } catch (IllegalArgumentException e) {
            throw new ForwarderException("INVALID_ARGUMENT", e.getMessage());
        }
        if (c.socket() != null) {
            sockets.check(c.socket());
        }
        SwitchPort p = remembered.add(c);
        return Map.of("port", describe(p));
    }

    private Map<String, Object> portDel(JsonNode req) throws ForwarderException {
        onlyFields(req, "name");
        String name = requiredText(req, "name");
        remembered.remove(name);
        return Map.of("removed", name);
    }

    private Map<String, Object> stats(JsonNode req) throws ForwarderException {
        onlyFields(req, "name");
        List<SwitchPort> ports = req.has("name") ? List.of(forwarder.port(requiredText(req, "name"))) : forwarder.ports();
        return StatsSnapshot.of(forwarder, ports);
    }

    private Map<String, Object> macs(JsonNode req) throws ForwarderException {
        onlyFields(req, "vlan", "port");
        Integer vlan = null;
        if (req.has("vlan")) {
            JsonNode v = req.get("vlan");
            if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                throw new ForwarderException("INVALID_ARGUMENT", "\"vlan\" must be a whole number 1..4094 (no"
                        + " quotes, no fraction), got " + kind(v));
            }
            if (v.asInt() < 1 || v.asInt() > 4094) {
                throw new ForwarderException("INVALID_ARGUMENT", "\"vlan\" " + v + " is outside 1..4094");
            }
            vlan = v.asInt();
        }
        SwitchPort only = req.has("port") ? forwarder.port(requiredText(req, "port")) : null;
        long now = System.nanoTime();
        List<Map<String, Object>> out = new ArrayList<>();
        for (MacTable.Entry e : forwarder.macs().entries(now)) {
            SwitchPort p = forwarder.table().get(e.slot());
            if (p == null || (vlan != null && e.vlan() != vlan) || (only != null && p != only)) {
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("mac", e.macString());
            m.put("vlan", e.vlan());
            m.put("port", p.name());
            m.put("ageMillis", e.ageNanos() / 1_000_000);
            out.add(m);
        }
        return Map.of("macs", out);
    }
}
