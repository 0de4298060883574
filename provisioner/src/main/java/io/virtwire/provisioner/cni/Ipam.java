package io.virtwire.provisioner.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Delegates IPAM as CNI's conventions say: the plugin named by {@code ipam.type}, found in CNI_PATH, run with the same
 * CNI_* environment and the whole network configuration on stdin; its result (ips, routes, dns) is ours to apply.
 */
final class Ipam {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Ipam() {
    }

    /**
     * Whether the IPAM plugin speaks {@code version} (its VERSION's supportedVersions): STATUS and GC are CNI 1.1 and
     * are delegated only to a plugin that has them (Debian 12's host-local 1.1.1 speaks up to 1.0.0).
     */
    static boolean supports(Path plugin, String version) {
        Exec.Result r = Exec.run(List.of(plugin.toString()), Map.of("CNI_COMMAND", "VERSION"), "{\"cniVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
        if (r.exit() != 0) {
            return false;
        }
        try {
            for (JsonNode v : JSON.readTree(r.stdout()).path("supportedVersions")) {
                if (v.asText().equals(version)) {
                    return true;
                }
            }
        } catch (java.io.IOException e) {
            return false;
        }
        return false;
    }

    /**
     * The config as the IPAM plugin takes it: a 1.1.0 config goes to a plugin that speaks only 1.0.0 (Debian 12's
     * host-local refuses 1.1.0) as 1.0.0 for ADD, DEL and CHECK, whose config and result are the same in both
     * versions; STATUS and GC are delegated only to a plugin that speaks 1.1.0.
     */
    private static byte[] spokenBy(Path plugin, String command, byte[] config) {
        if (!List.of("ADD", "DEL", "CHECK").contains(command)) {
            return config;
        }
        try {
            JsonNode conf = JSON.readTree(config);
            if (conf instanceof com.fasterxml.jackson.databind.node.ObjectNode o && NetConf.LATEST.equals(o.path("cniVersion").asText())
                    && !supports(plugin, NetConf.LATEST) && supports(plugin, NetConf.VERSION)) {
                o.put("cniVersion", NetConf.VERSION);
                return JSON.writeValueAsBytes(o);
            }
        } catch (java.io.IOException ignored) {
            // NetConf parsed it already: cannot happen; the plugin gets it as it is
        }
        return config;
    }

    static JsonNode run(Path plugin, String command, CniEnv env, byte[] config) {
        Map<String, String> e = new HashMap<>();
        e.put("CNI_COMMAND", command);
        // STATUS and GC are about the network: no attachment variables (an inherited one would name another)
        e.put("CNI_CONTAINERID", env.containerId() == null ? "" : env.containerId());
        e.put("CNI_NETNS", env.netns() == null ? "" : env.netns());
        e.put("CNI_IFNAME", env.ifname() == null ? "" : env.ifname());
        e.put("CNI_PATH", String.join(":", env.path().stream().map(Path::toString).toList()));
        Exec.Result r = Exec.run(List.of(plugin.toString()), e, spokenBy(plugin, command, config));
        if (r.exit() != 0) {
            String msg = r.stdout().isBlank() ? r.stderr() : r.stdout().strip();
            try {
                JsonNode err = JSON.readTree(r.stdout());
                if (err != null && err.has("msg")) {
                    msg = err.get("msg").asText() + (err.has("details") ? " (" + err.get("details").asText() + ")" : "");
                }
            } catch (java.io.IOException ignored) {
                // not a CNI error object: its raw output is the message
            }
            throw new CniError(CniError.IPAM_FAILED, "IPAM plugin " + plugin + " " + command + " failed: " + msg, null);
        }
        if (!command.equals("ADD")) {
            return null;
        }
        try {
            return JSON.readTree(r.stdout().getBytes(StandardCharsets.UTF_8));
        } catch (java.io.IOException ex) {
            throw new CniError(CniError.IPAM_FAILED, "IPAM plugin " + plugin + " printed no JSON result: " + ex.getMessage(), null);
        }
    }
}
