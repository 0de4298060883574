package io.virtwire.virtio.net;

/** Why a virtio-net header a guest sent was refused ({@link OffloadCheck}). */
public enum HeaderFault {
    UNKNOWN_FLAGS("flags has bits other than NEEDS_CSUM and DATA_VALID"),
    CSUM_NOT_NEGOTIATED("NEEDS_CSUM without VIRTIO_NET_F_CSUM negotiated"),
    CSUM_OUT_OF_FRAME("csum_start + csum_offset + 2 exceeds the frame, or csum_start is inside the Ethernet header"),
    GSO_UNSUPPORTED("gso_type is not TCPV4/TCPV6 (UDP/USO are not offered)"),
    GSO_NOT_NEGOTIATED("gso_type whose HOST_TSO4/HOST_TSO6/HOST_ECN feature was not negotiated"),
    GSO_WITHOUT_CSUM("a GSO frame without NEEDS_CSUM"),
    GSO_SIZE_ZERO("gso_size 0 with a gso_type"),
    HDR_LEN("hdr_len exceeds the frame"),
    NOT_TCP("gso_type TCPV4/TCPV6 but the frame is not TCP over that IP version with consistent lengths"),
    CSUM_NOT_TCP("a TCP GSO frame whose csum_start/csum_offset do not point at the TCP checksum"),
    NO_PAYLOAD("a GSO frame without TCP payload"),
    TOO_MANY_SEGMENTS("more segments than " + OffloadCheck.MAX_SEGMENTS + " (gso_size too small for the frame)");

    private final String rule;

    HeaderFault(String rule) {
        this.rule = rule;
    }

    /** The rule broken, for logs and tests. */
    public String rule() {
        return rule;
    }
}
