package io.virtwire.provisioner.cni;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.virtwire.provisioner.VirtwireException;

/**
 * A CNI error: {@code {cniVersion, code, msg, details}} on stdout and a non-zero exit. Codes 1..99 are the spec's,
 * 100 and up virtwire's own (docs/user-guide/containers.md lists them).
 */
public final class CniError extends RuntimeException {

    public static final int INCOMPATIBLE_VERSION = 1;
    public static final int INVALID_ENV = 4;
    public static final int DECODING = 6;
    public static final int INVALID_CONFIG = 7;
    public static final int TRY_AGAIN_LATER = 11;
    /** STATUS: the plugin cannot service ADD requests now (CNI 1.1). */
    public static final int NOT_AVAILABLE = 50;
    /** No free VF on the PF (every VF held by a VM or a container, reserved, or unusable for the mode). */
    public static final int NO_FREE_VF = 100;
    /** The PF named by {@code pf} does not exist, or has no VFs. */
    public static final int UNKNOWN_PF = 101;
    /** A host change (ip link, sysfs, a netns operation) failed; what was done is rolled back. */
    public static final int HOST_FAILED = 102;
    /** The delegated IPAM plugin failed. */
    public static final int IPAM_FAILED = 103;
    /** ADD for a container id and ifname that already hold a VF. */
    public static final int ALREADY_ADDED = 104;
    /** CHECK found the VF not as ADD left it. */
    public static final int CHECK_FAILED = 105;

    private final int code;
    private final String details;

    public CniError(int code, String msg, String details) {
        super(msg);
        this.code = code;
        this.details = details;
    }

    public int code() {
        return code;
    }

    public String details() {
        return details;
    }

    /** A VirtwireException from the allocation side, with the CNI code its kind means. */
    public static CniError of(VirtwireException e, String details) {
        int code = switch (e.kind()) {
            case INVALID_INPUT -> INVALID_CONFIG;
            case NOT_FOUND -> UNKNOWN_PF;
            case CONFLICT -> e.getMessage().startsWith("another virtwire invocation") ? TRY_AGAIN_LATER
                    : e.getMessage().startsWith("PF ") ? UNKNOWN_PF : NO_FREE_VF;
            default -> HOST_FAILED;
        };
        return new CniError(code, e.getMessage(), details);
    }

    public ObjectNode toJson(String cniVersion) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("cniVersion", cniVersion);
        n.put("code", code);
        n.put("msg", getMessage());
        if (details != null) {
            n.put("details", details);
        }
        return n;
    }
}
