package io.virtwire.forwarder.metrics;

/**
 * Why a frame did not leave through a port. The JSON name is the constant in camelCase ({@code NO_BUFFERS} is
 * {@code noBuffers}), as every JSON key of virtwire (docs/json-output.md); the Prometheus label keeps snake_case.
 */
public enum DropReason {
    /** The port could not take the frame now (a guest without receive buffers, a full socket). */
    NO_BUFFERS,
    /** Larger than the port's MTU (ingress or egress). */
    MTU,
    /** Its VLAN is not allowed on the port, or an access port received a tagged frame. */
    VLAN,
    /** Shorter than an Ethernet header. */
    RUNT,
    /** Its destination is the port it came from. */
    SAME_PORT,
    /** The port is broken or has no peer connected (a guest that is not running). */
    PORT_DOWN,
    /**
     * Its virtio-net header was refused: a guest asked for an offload it did not negotiate or whose fields do not
     * fit the frame, or a GSO frame could not be segmented (not TCP over IPv4/IPv6).
     */
    BAD_OFFLOAD;

    private final String jsonName = camel(name());

    public String jsonName() {
        return jsonName;
    }

    private static String camel(String constant) {
        StringBuilder b = new StringBuilder();
        for (String part : constant.toLowerCase(java.util.Locale.ROOT).split("_")) {
            b.append(b.isEmpty() ? part : Character.toUpperCase(part.charAt(0)) + part.substring(1));
        }
        return b.toString();
    }
}
