package io.virtwire.provisioner.cni;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.virtwire.provisioner.model.MacAddress;
import io.virtwire.provisioner.state.ContainerHolder;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The network configuration on stdin: CNI's keys and virtwire's ({@code pf}, {@code pool}, {@code vlan}, {@code mac},
 * {@code trust}, {@code spoofchk}, {@code mode}, {@code ipam}, and where the host and the record are: {@code hostRoot},
 * {@code stateDir}; for {@code pool}, which libvirt holds the hostdev network: {@code libvirtUri}). Not JSON is error 6; a bad or unknown key is error 7 naming it; a cniVersion this plugin does not
 * speak is error 1.
 *
 * @param raw the config as given, passed on unchanged to the IPAM plugin (as CNI's delegation convention says)
 */
public record NetConf(String cniVersion, String name, String pf, String pool, Integer vlan, MacAddress mac, Boolean trust, Boolean spoofchk,
                      String mode, Optional<String> ipamType, String hostRoot, String stateDir, String libvirtUri, JsonNode prevResult,
                      ObjectNode raw) {

    /** The version of an answer when the config's is unknown (not JSON, not a version this plugin speaks). */
    public static final String VERSION = "1.0.0";
    /** The newest version spoken: CNI 1.1 adds STATUS and GC. */
    public static final String LATEST = "1.1.0";
    static final List<String> SUPPORTED = List.of(VERSION, LATEST);
    /** GC's list of the attachments the runtime still has on this network: {@code [{containerID, ifname}]}. */
    static final String VALID_ATTACHMENTS = "cni.dev/valid-attachments";

    private static final ObjectMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    // CNI's own keys, and the ones libcni adds to a conflist's plugin
    private static final Set<String> CNI_KEYS = Set.of("cniVersion", "name", "type", "ipam", "dns", "prevResult", "runtimeConfig",
            "capabilities", "args", "disableCheck", "disableGC", "cniVersions", VALID_ATTACHMENTS);
    private static final Set<String> OWN_KEYS = Set.of("pf", "pool", "vlan", "mac", "trust", "spoofchk", "mode", "hostRoot", "stateDir",
            "libvirtUri");

    public static NetConf parse(byte[] stdin) {
        JsonNode root;
        try {
            root = JSON.readTree(stdin);
        } catch (JsonProcessingException e) {
            throw new CniError(CniError.DECODING, "the network configuration on stdin is not JSON: " + e.getOriginalMessage(),
                    "at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr());
        } catch (java.io.IOException e) {
            throw new CniError(CniError.DECODING, "cannot read the network configuration on stdin: " + e.getMessage(), null);
        }
        if (root == null || !root.isObject()) {
            throw new CniError(CniError.DECODING, "the network configuration on stdin must be one JSON object", null);
        }
        ObjectNode o = (ObjectNode) root;
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!CNI_KEYS.contains(k) && !OWN_KEYS.contains(k)) {
                throw bad("unknown key '" + k + "'", "virtwire-cni takes " + String.join(", ", OWN_KEYS.stream().sorted().toList()) + " besides CNI's keys");
            }
        }
        String version = text(o, "cniVersion", true);
        if (!SUPPORTED.contains(version)) {
            throw new CniError(CniError.INCOMPATIBLE_VERSION, "cniVersion " + version + " is not supported", "virtwire-cni speaks " + String.join(", ", SUPPORTED));
        }
        String name = text(o, "name", true);
        String pf = text(o, "pf", false);
        String pool = text(o, "pool", false);
        if (pf == null && pool == null) {
            throw bad("'pf' or 'pool' is missing", "name the PF whose VFs the container gets (\"pf\": \"enp1s0f0\" or its PCI address),"
                    + " or a libvirt hostdev network to pick from (\"pool\": \"sriov-pool\", as attach-interface --pool)");
        }
        if (pf != null && pool != null) {
            throw bad("give one of 'pf' and 'pool', not both", "\"pf\" picks from one PF's VFs, \"pool\" from a libvirt hostdev network's");
        }
        Integer vlan = null;
        if (o.has("vlan")) {
            JsonNode v = o.get("vlan");
            if (!v.isIntegralNumber() || v.intValue() < 0 || v.intValue() > 4094) {
                throw bad("'vlan' must be an integer 0..4094 (0 for untagged), not " + v, null);
            }
            vlan = v.intValue();
        }
        MacAddress mac = null;
        String macText = text(o, "mac", false);
        if (macText != null) {
            try {
                mac = MacAddress.parse(macText);
            } catch (IllegalArgumentException e) {
                throw bad("'mac' " + macText + " is not a MAC address: " + e.getMessage(), null);
            }
        }
        String mode = Optional.ofNullable(text(o, "mode", false)).orElse(ContainerHolder.NETDEV);
        if (!mode.equals(ContainerHolder.NETDEV) && !mode.equals(ContainerHolder.VFIO)) {
            throw bad("'mode' must be netdev or vfio, not '" + mode + "'", "netdev: the VF's netdev in the container; vfio: the VF on vfio-pci for a DPDK app");
        }
        Optional<String> ipam = Optional.empty();
        if (o.has("ipam")) {
            JsonNode i = o.get("ipam");
            if (!i.isObject()) {
                throw bad("'ipam' must be an object {\"type\": \"host-local\", ...}", null);
            }
            if (i.size() > 0) {
                ipam = Optional.ofNullable(text((ObjectNode) i, "type", true));
            }
        }
        if (ipam.isPresent() && mode.equals(ContainerHolder.VFIO)) {
            throw bad("'ipam' does not go with mode vfio", "a VF on vfio-pci has no netdev to put addresses on: the DPDK app configures them");
        }
        return new NetConf(version, name, pf, pool, vlan, mac, bool(o, "trust"), bool(o, "spoofchk"), mode, ipam, text(o, "hostRoot", false),
                text(o, "stateDir", false), text(o, "libvirtUri", false), o.get("prevResult"), o);
    }

    /** The cniVersion of the config on stdin when it is one this plugin speaks (the version its errors answer in). */
    static Optional<String> peekVersion(byte[] stdin) {
        try {
            JsonNode v = JSON.readTree(stdin).path("cniVersion");
            return v.isTextual() && SUPPORTED.contains(v.textValue()) ? Optional.of(v.textValue()) : Optional.empty();
        } catch (java.io.IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** GC's valid attachments as "containerID/ifname" keys; error 7 when the list is missing or malformed. */
    public Set<String> validAttachments() {
        JsonNode list = raw.get(VALID_ATTACHMENTS);
        if (list == null || !list.isArray()) {
            throw bad("GC needs '" + VALID_ATTACHMENTS + "', the list of the attachments still in use: [{\"containerID\": ..., \"ifname\": ...}]",
                    "the runtime passes it; without it GC would free every attachment of the network");
        }
        Set<String> out = new java.util.HashSet<>();
        for (JsonNode a : list) {
            if (!a.path("containerID").isTextual() || !a.path("ifname").isTextual()) {
                throw bad("each of '" + VALID_ATTACHMENTS + "' needs \"containerID\" and \"ifname\" strings, not " + a, null);
            }
            out.add(a.get("containerID").textValue() + "/" + a.get("ifname").textValue());
        }
        return out;
    }

    private static Boolean bool(ObjectNode o, String key) {
        if (!o.has(key)) {
            return null;
        }
        if (!o.get(key).isBoolean()) {
            throw bad("'" + key + "' must be true or false, not " + o.get(key), null);
        }
        return o.get(key).booleanValue();
    }

    private static String text(ObjectNode o, String key, boolean required) {
        JsonNode v = o.get(key);
        if (v == null || v.isNull()) {
            if (required) {
                throw bad("'" + key + "' is missing", null);
            }
            return null;
        }
        if (!v.isTextual() || v.textValue().isBlank()) {
            throw bad("'" + key + "' must be a non-empty string, not " + v, null);
        }
        return v.textValue();
    }

    private static CniError bad(String msg, String details) {
        return new CniError(CniError.INVALID_CONFIG, "network configuration: " + msg, details);
    }
}
