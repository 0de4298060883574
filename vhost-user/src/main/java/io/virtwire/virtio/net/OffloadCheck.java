package io.virtwire.virtio.net;

import java.lang.foreign.MemorySegment;

/**
 * Validates the virtio-net header a guest sent with a frame, against the frame and the offloads negotiated,
 * before anything trusts it (field-research B.3.5, DPDK CVE-2024-11614): flags known, NEEDS_CSUM only with CSUM
 * and its field inside the frame, gso_type only TCPV4/TCPV6 and only with HOST_TSO4/6 (ECN with HOST_ECN), GSO
 * frames really TCP over that IP version with NEEDS_CSUM on the TCP checksum, gso_size > 0, a bounded number of
 * segments. hdr_len is only bounded by the frame: Linux fills it with the skb's linear length, not the headers'.
 * Reads the header and frame from OUR copy (no TOCTOU); allocates nothing.
 */
public final class OffloadCheck {

    /** Most segments one GSO frame may turn into (64 KiB at MSS 536 is 123). */
    public static final int MAX_SEGMENTS = 256;

    private final VirtioNetHeader header = new VirtioNetHeader();
    private final TcpFrame tcp = new TcpFrame();

    /**
     * @param allowed {@link Offloads} bits the sender negotiated
     * @return null if the header may be trusted, else the fault
     */
    public HeaderFault check(MemorySegment s, long headerAt, long frame, int length, int allowed) {
        VirtioNetHeader h = header.wrap(s, headerAt);
        int flags = h.flags();
        int gsoType = h.gsoType();
        if ((flags & ~(VirtioNetHeader.F_NEEDS_CSUM | VirtioNetHeader.F_DATA_VALID)) != 0) {
            return HeaderFault.UNKNOWN_FLAGS;
        }
        boolean csum = (flags & VirtioNetHeader.F_NEEDS_CSUM) != 0;
        if (csum) {
            if ((allowed & Offloads.CSUM) == 0) {
                return HeaderFault.CSUM_NOT_NEGOTIATED;
            }
            if (h.csumStart() < TcpFrame.ETH_HEADER || h.csumStart() + h.csumOffset() + 2L > length) {
                return HeaderFault.CSUM_OUT_OF_FRAME;
            }
        }
        if (h.hdrLen() > length) {
            return HeaderFault.HDR_LEN;
        }
        if (gsoType == VirtioNetHeader.GSO_NONE) {
            return null;
        }
        int kind = gsoType & ~VirtioNetHeader.GSO_ECN;
        int needs;
        if (kind == VirtioNetHeader.GSO_TCPV4) {
            needs = Offloads.TSO4;
        } else if (kind == VirtioNetHeader.GSO_TCPV6) {
            needs = Offloads.TSO6;
        } else {
            return HeaderFault.GSO_UNSUPPORTED;
        }
        if ((gsoType & VirtioNetHeader.GSO_ECN) != 0) {
            needs |= Offloads.ECN;
        }
        if ((allowed & needs) != needs) {
            return HeaderFault.GSO_NOT_NEGOTIATED;
        }
        if (!csum) {
            return HeaderFault.GSO_WITHOUT_CSUM;
        }
        int gsoSize = h.gsoSize();
        if (gsoSize == 0) {
            return HeaderFault.GSO_SIZE_ZERO;
        }
        if (!tcp.parse(s, frame, length) || tcp.ipv6() != (kind == VirtioNetHeader.GSO_TCPV6)) {
            return HeaderFault.NOT_TCP;
        }
        if (h.csumStart() != tcp.l4() || h.csumOffset() != 16) {
            return HeaderFault.CSUM_NOT_TCP;
        }
        int payload = tcp.payloadLength();
        if (payload == 0) {
            return HeaderFault.NO_PAYLOAD;
        }
        if ((payload + gsoSize - 1) / gsoSize > MAX_SEGMENTS) {
            return HeaderFault.TOO_MANY_SEGMENTS;
        }
        return null;
    }
}
