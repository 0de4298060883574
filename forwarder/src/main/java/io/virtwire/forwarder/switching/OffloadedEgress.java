package io.virtwire.forwarder.switching;

import io.virtwire.forwarder.metrics.DropReason;
import io.virtwire.virtio.net.InternetChecksum;
import io.virtwire.virtio.net.Offloads;
import io.virtwire.virtio.net.PacketBurst;
import io.virtwire.virtio.net.TcpFrame;
import io.virtwire.virtio.net.TcpSegmenter;
import io.virtwire.virtio.net.VirtioNetHeader;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The slow path for frames whose virtio-net header asks for something (partial checksum, TCP GSO, DATA_VALID):
 * the header goes along when the egress port takes those offloads (csum_start and hdr_len moved by the 802.1Q tag
 * added or removed); otherwise the work is done here: the checksum completed, the GSO frame segmented
 * ({@link TcpSegmenter}). Frames without offloads never come here.
 */
final class OffloadedEgress {

    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private OffloadedEgress() {
    }

    /**
     * The L3 size a frame must fit the MTU with: a GSO frame's largest segment (headers plus gso_size), any
     * other frame's {@code payload}; -1 if a GSO frame is not TCP over IPv4/IPv6.
     */
    static int l3Size(MemorySegment data, long off, int len, long header, int payload, EgressBuffers egress) {
        int gsoType = data.get(ValueLayout.JAVA_BYTE, header + VirtioNetHeader.GSO_TYPE);
        if (gsoType == VirtioNetHeader.GSO_NONE) {
            return payload;
        }
        TcpFrame tcp = egress.tcpFrame();
        int gsoSize = data.get(LE16, header + VirtioNetHeader.GSO_SIZE) & 0xFFFF;
        if (gsoSize == 0 || !tcp.parse(data, off, len)) {
            return -1;
        }
        return tcp.payload() - tcp.l3() + Math.min(gsoSize, tcp.payloadLength());
    }

    /**
     * Sends frame {@code [off, off+len)} with its header at {@code header} towards {@code out}, which gets it at
     * {@code outLen} bytes after {@link L2Switch#copyRetagged}; {@code shift} is what the tag change adds to the
     * offsets of the headers behind the Ethernet header (+4, 0, -4).
     */
    static void emit(SwitchPort out, MemorySegment data, long off, int len, long header, int outLen, int shift,
                     boolean tagged, int addTci, EgressBuffers egress) {
        int flags = data.get(ValueLayout.JAVA_BYTE, header + VirtioNetHeader.FLAGS) & 0xFF;
        int gsoType = data.get(ValueLayout.JAVA_BYTE, header + VirtioNetHeader.GSO_TYPE) & 0xFF;
        int csumStart = (data.get(LE16, header + VirtioNetHeader.CSUM_START) & 0xFFFF) + shift;
        int csumOffset = data.get(LE16, header + VirtioNetHeader.CSUM_OFFSET) & 0xFFFF;
        boolean needsCsum = (flags & VirtioNetHeader.F_NEEDS_CSUM) != 0;
        if (needsCsum && (csumStart < 14 || csumStart + csumOffset + 2L > outLen)) {
            out.counters().dropped(DropReason.BAD_OFFLOAD, 1);
            return;
        }
        int accepted = out.port().offloadsAccepted();
        PacketBurst b = egress.burstFor(out.slot());
        if (Offloads.fits(flags, gsoType, accepted) && outLen <= b.slotSize()) {
            int slot = b.append(outLen);
            MemorySegment dst = b.data();
            L2Switch.copyRetagged(data, off, len, tagged, addTci, dst, b.offset(slot));
            long h = b.headerOffset(slot);
            MemorySegment.copy(data, header, dst, h, VirtioNetHeader.NUM_BUFFERS);
            if (shift != 0) {
                dst.set(LE16, h + VirtioNetHeader.CSUM_START, (short) (needsCsum ? csumStart : 0));
                int hdrLen = data.get(LE16, header + VirtioNetHeader.HDR_LEN) & 0xFFFF;
                dst.set(LE16, h + VirtioNetHeader.HDR_LEN, (short) (hdrLen == 0 ? 0 : Math.max(0, hdrLen + shift)));
            }
            return;
        }
        if (gsoType != VirtioNetHeader.GSO_NONE) {
            segment(out, data, off, len, header, outLen, tagged, addTci, egress);
            return;
        }
        if (outLen > b.slotSize()) {
            out.counters().dropped(DropReason.MTU, 1);
            return;
        }
        // a partial checksum the port cannot finish, or DATA_VALID it cannot take: a complete frame, zero header
        int slot = b.append(outLen);
        MemorySegment dst = b.data();
        long to = b.offset(slot);
        L2Switch.copyRetagged(data, off, len, tagged, addTci, dst, to);
        if (needsCsum) {
            InternetChecksum.completePartial(dst, to, outLen, csumStart, csumOffset);
        }
    }

    private static void segment(SwitchPort out, MemorySegment data, long off, int len, long header, int outLen,
                                boolean tagged, int addTci, EgressBuffers egress) {
        MemorySegment scratch = egress.scratch();
        if (outLen > scratch.byteSize()) {
            out.counters().dropped(DropReason.MTU, 1);
            return;
        }
        L2Switch.copyRetagged(data, off, len, tagged, addTci, scratch, 0);
        TcpSegmenter seg = egress.segmenter();
        int gsoSize = data.get(LE16, header + VirtioNetHeader.GSO_SIZE) & 0xFFFF;
        int n = seg.prepare(scratch, 0, outLen, gsoSize);
        if (n < 0) {
            out.counters().dropped(DropReason.BAD_OFFLOAD, 1);
            return;
        }
        for (int k = 0; k < n; k++) {
            int segLen = seg.segmentLength(k);
            PacketBurst b = egress.burstFor(out.slot());
            if (segLen > b.slotSize()) {
                out.counters().dropped(DropReason.MTU, n - k);
                return;
            }
            int slot = b.append(segLen);
            seg.write(k, b.data(), b.offset(slot));
        }
    }
}
