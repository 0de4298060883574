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

    public static final String VERSION = "1.0.0";
    static final Set<String> SUPPORTED = Set.of(VERSION);

    private static final ObjectMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    // CNI's own keys, and the ones libcni adds to a conflist's plugin
    private static final Set<String> CNI_KEYS = Set.of("cniVersion", "name", "type", "ipam", "dns", "prevResult", "runtimeConfig",
            "capabilities", "args", "disableCheck", "disableGC", "cniVersions");
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
            throw new CniError(CniError.INCOMPATIBLE_VERSION, "cniVersion " + version + " is not supported", "virtwire-cni speaks " + SUPPORTED);
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
