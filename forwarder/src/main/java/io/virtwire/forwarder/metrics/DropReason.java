package io.virtwire.forwarder.metrics;

/** Why a frame did not leave through a port. The JSON name is the lower-case constant name. */
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

    public String jsonName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
