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

    static JsonNode run(Path plugin, String command, CniEnv env, byte[] config) {
        Map<String, String> e = new HashMap<>();
        e.put("CNI_COMMAND", command);
        e.put("CNI_CONTAINERID", env.containerId());
        e.put("CNI_NETNS", env.netns() == null ? "" : env.netns());
        e.put("CNI_IFNAME", env.ifname());
        e.put("CNI_PATH", String.join(":", env.path().stream().map(Path::toString).toList()));
        Exec.Result r = Exec.run(List.of(plugin.toString()), e, config);
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
