package io.virtwire.provisioner.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/** Text forms of the forwarder's JSON results, shared by the forwarder commands. */
final class ForwarderText {

    private ForwarderText() {
    }

    static String text(JsonNode n) {
        return n == null || n.isNull() || n.isMissingNode() ? null : n.asText();
    }

    /** {@code 10} for an access port, {@code trunk 10,20 native 1} for a trunk. */
    static String vlan(JsonNode v) {
        if (v == null || v.isMissingNode() || v.isNull()) {
            return null;
        }
        if ("trunk".equals(v.path("mode").asText())) {
            List<String> tags = new ArrayList<>();
            v.path("allowed").forEach(t -> tags.add(t.asText()));
            return "trunk " + String.join(",", tags) + (v.hasNonNull("native") ? " native " + v.get("native").asText() : "");
        }
        return v.path("id").asText();
    }

    /** One line about a port: {@code vm1 (vhost-user, socket /run/virtwire/vm1.sock, mode server, queues 1, mtu 1500, vlan 10)}. */
    static String describe(JsonNode p) {
        StringBuilder b = new StringBuilder(p.path("name").asText()).append(" (").append(p.path("type").asText());
        if (p.hasNonNull("socket")) {
            b.append(", socket ").append(p.get("socket").asText()).append(", mode ").append(p.path("mode").asText())
                    .append(", queues ").append(p.path("queues").asText());
        }
        if (p.hasNonNull("iface")) {
            b.append(", interface ").append(p.get("iface").asText());
            if (p.hasNonNull("queues")) {
                b.append(", queues ").append(p.get("queues").asText());
            }
        }
        b.append(", mtu ").append(p.path("mtu").asText()).append(", vlan ").append(vlan(p.path("vlan"))).append(')');
        return b.toString();
    }

    /**
     * How much {@code field} grew from {@code before} to {@code now}; 0 when it shrank (the port was removed and
     * added again, or the daemon restarted: its counters started over).
     */
    static double delta(JsonNode before, JsonNode now, String field) {
        long d = now.path(field).asLong() - before.path(field).asLong();
        return d < 0 ? 0 : d;
    }

    /** A rate with an SI prefix and three significant digits: {@code 0}, {@code 950}, {@code 12.3k}, {@code 4.56M}. */
    static String rate(double perSecond) {
        String[] prefixes = {"", "k", "M", "G", "T"};
        double v = perSecond;
        int i = 0;
        while (v >= 999.5 && i < prefixes.length - 1) {
            v /= 1000;
            i++;
        }
        if (i == 0) {
            return Long.toString(Math.round(v));
        }
        String digits = v >= 99.95 ? String.format(java.util.Locale.ROOT, "%.0f", v)
                : v >= 9.995 ? String.format(java.util.Locale.ROOT, "%.1f", v) : String.format(java.util.Locale.ROOT, "%.2f", v);
        return digits + prefixes[i];
    }

    static long sum(JsonNode counters) {
        long total = 0;
        for (JsonNode c : counters) {
            total += c.asLong();
        }
        return total;
    }
}
