package io.virtwire.forwarder.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.virtwire.forwarder.switching.VlanPolicy;

import java.util.List;

/**
 * A port's VLAN settings as written in YAML or JSON: {@code {mode: access, id: 10}} or
 * {@code {mode: trunk, allowed: [10, 20], native: 1}} (native optional). Absent: access VLAN 1.
 */
@JsonIgnoreProperties(ignoreUnknown = false)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VlanConfig(String mode, Integer id, List<Integer> allowed, @JsonProperty("native") Integer nativeVlan) {

    public VlanPolicy toPolicy() {
        String m = mode == null ? "access" : mode;
        return switch (m) {
            case "access" -> {
                if (allowed != null || nativeVlan != null) {
                    throw new IllegalArgumentException("an access port takes only 'id'; 'allowed' and 'native' are for trunks");
                }
                yield VlanPolicy.access(id == null ? 1 : id);
            }
            case "trunk" -> {
                if (id != null) {
                    throw new IllegalArgumentException("a trunk port takes 'allowed' and 'native', not 'id'");
                }
                if (allowed == null) {
                    throw new IllegalArgumentException("a trunk port needs 'allowed': the list of VLANs it carries");
                }
                yield VlanPolicy.trunk(allowed, nativeVlan == null ? 0 : nativeVlan);
            }
            default -> throw new IllegalArgumentException("VLAN mode '" + m + "' is neither 'access' nor 'trunk'");
        };
    }

    public static VlanConfig of(VlanPolicy p) {
        return p.mode() == VlanPolicy.Mode.ACCESS
                ? new VlanConfig("access", p.accessVlan(), null, null)
                : new VlanConfig("trunk", null, p.allowedVlans(), p.nativeVlan() == 0 ? null : p.nativeVlan());
    }
}
