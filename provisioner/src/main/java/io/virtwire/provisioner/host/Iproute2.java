package io.virtwire.provisioner.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The iproute2 commands virtwire reads, and parsers for their JSON. Shapes follow iproute2's printers:
 * ip -j -d link show: [{"ifname", "operstate", "address", "vfinfo_list": [{"vf", "address", "vlan_list": [{"vlan","qos"}],
 * "spoofchk", "trust", "link_state"}]}]; devlink -j dev eswitch show: {"dev": {"pci/BDF": {"mode": ...}}};
 * vdpa -j mgmtdev show: {"mgmtdev": {"pci/BDF": {"supported_classes": [...]}}}; vdpa -j dev show: {"dev": {"vdpa0": {"mgmtdev": ...}}}.
 */
public final class Iproute2 {

    public static final List<String> IP_LINK_SHOW = List.of("ip", "-j", "-d", "link", "show");
    public static final List<String> DEVLINK_ESWITCH_SHOW = List.of("devlink", "-j", "dev", "eswitch", "show");
    public static final List<String> VDPA_MGMTDEV_SHOW = List.of("vdpa", "-j", "mgmtdev", "show");
    public static final List<String> VDPA_DEV_SHOW = List.of("vdpa", "-j", "dev", "show");

    private static final ObjectMapper JSON = new ObjectMapper();

    private Iproute2() {
    }

    /** One link of ip -j -d link show with the VF table its PF driver reports. */
    public record Link(String ifname, String operstate, String address, List<VfInfo> vfs) {
    }

    /** One vfinfo_list entry. Older iproute2 printed the MAC as "mac", newer as "address"; both are accepted. */
    public record VfInfo(int vf, String mac, int vlan, int qos, Boolean spoofchk, Boolean trust, String linkState) {
    }

    public record VdpaDev(String name, String mgmtdev, Integer maxVqs) {
    }

    public static JsonNode tree(String json, String what) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new CommandException("cannot parse the JSON of '" + what + "': " + e.getMessage());
        }
    }

    public static Map<String, Link> links(String json) {
        Map<String, Link> out = new LinkedHashMap<>();
        for (JsonNode l : tree(json, "ip -j -d link show")) {
            List<VfInfo> vfs = new ArrayList<>();
            for (JsonNode v : l.path("vfinfo_list")) {
                int vlan = 0;
                int qos = 0;
                JsonNode list = v.path("vlan_list");
                if (list.isArray() && !list.isEmpty()) {
                    vlan = list.get(0).path("vlan").asInt(0);
                    qos = list.get(0).path("qos").asInt(0);
                } else {
                    vlan = v.path("vlan").asInt(0);
                    qos = v.path("qos").asInt(0);
                }
                String mac = v.hasNonNull("address") ? v.get("address").asText() : v.path("mac").asText(null);
                vfs.add(new VfInfo(v.path("vf").asInt(), mac, vlan, qos, bool(v, "spoofchk"), bool(v, "trust"),
                        v.path("link_state").asText(null)));
            }
            String name = l.path("ifname").asText();
            out.put(name, new Link(name, l.path("operstate").asText(null), l.path("address").asText(null), List.copyOf(vfs)));
        }
        return out;
    }

    /** "pci/0000:07:00.0" -> "switchdev". */
    public static Map<String, String> eswitchModes(String json) {
        Map<String, String> out = new LinkedHashMap<>();
        tree(json, "devlink -j dev eswitch show").path("dev").fields()
                .forEachRemaining(e -> out.put(e.getKey(), e.getValue().path("mode").asText(null)));
        return out;
    }

    /** "pci/0000:07:00.2" -> supported classes. */
    public static Map<String, List<String>> vdpaMgmtDevices(String json) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        tree(json, "vdpa -j mgmtdev show").path("mgmtdev").fields().forEachRemaining(e -> {
            List<String> classes = new ArrayList<>();
            e.getValue().path("supported_classes").forEach(c -> classes.add(c.asText()));
            out.put(e.getKey(), List.copyOf(classes));
        });
        return out;
    }

    public static Map<String, VdpaDev> vdpaDevices(String json) {
        Map<String, VdpaDev> out = new LinkedHashMap<>();
        tree(json, "vdpa -j dev show").path("dev").fields().forEachRemaining(e -> out.put(e.getKey(),
                new VdpaDev(e.getKey(), e.getValue().path("mgmtdev").asText(null),
                        e.getValue().has("max_vqs") ? e.getValue().get("max_vqs").asInt() : null)));
        return out;
    }

    private static Boolean bool(JsonNode n, String field) {
        return n.has(field) ? n.get(field).asBoolean() : null;
    }
}
