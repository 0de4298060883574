package io.virtwire.forwarder.switching;

import io.virtwire.forwarder.metrics.DropReason;
import io.virtwire.virtio.net.InternetChecksum;
import io.virtwire.virtio.net.Offloads;
import io.virtwire.virtio.net.PacketBurst;
import io.virtwire.virtio.net.TcpSegmenter;
import io.virtwire.virtio.net.VirtioNetHeader;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The second step of a frame's way through the switch, after {@link L2Switch} classified it into a
 * {@link SwitchedFrame}: for one egress port, the tag that port wants (VLAN policy, MTU), then the form the frame
 * leaves in, then the one copy into the port's staging burst. The forms:
 * <ul>
 *   <li>retagged (or as is): no offload asked, the frame with the port's tag;</li>
 *   <li>offload kept: the port takes what the virtio-net header asks, so the header goes along, csum_start and
 *       hdr_len moved by the tag added or removed;</li>
 *   <li>checksum completed: a partial checksum (or DATA_VALID) the port cannot take, finished here, zero header;</li>
 *   <li>segmented: a GSO frame the port cannot take, cut into MTU-sized TCP segments ({@link TcpSegmenter}).</li>
 * </ul>
 * The one form that is no copy at all, a whole burst going unchanged to one port, is {@link L2Switch}'s run.
 */
final class EgressForm {

    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private EgressForm() {
    }

    /**
     * Sends {@code f} towards {@code out} with the tag its VLAN policy wants; {@code known}: out is the learned
     * destination (a refusal there is counted; a flood just skips ports outside the VLAN).
     */
    static void send(SwitchPort out, SwitchedFrame f, boolean known, EgressBuffers egress) {
        int tag = out.vlan().egressTag(f.vlan);
        if (tag == VlanPolicy.REFUSED) {
            if (known) {
                out.counters().dropped(DropReason.VLAN, 1); // a learned station moved out of the VLAN's ports
            }
            return;
        }
        if (f.l3Size > out.mtu()) {
            out.counters().dropped(DropReason.MTU, 1);
            return;
        }
        send(out, f, tag == VlanPolicy.UNTAGGED ? 0 : f.priorityBits() | tag, egress);
    }

    /** Sends {@code f} towards {@code out} with tag {@code tci} (0: untagged), VLAN and MTU already decided. */
    static void send(SwitchPort out, SwitchedFrame f, int tci, EgressBuffers egress) {
        int outLen = f.outLength(tci);
        PacketBurst b = egress.burstFor(out.slot());
        if (f.header < 0) {
            if (outLen > b.slotSize()) {
                out.counters().dropped(DropReason.MTU, 1);
                return;
            }
            f.copyTo(b.data(), b.offset(b.append(outLen)), tci);
            return;
        }
        MemorySegment data = f.data;
        long header = f.header;
        int shift = outLen - f.len; // what the tag change adds to the offsets behind the Ethernet header: +4, 0, -4
        int flags = data.get(ValueLayout.JAVA_BYTE, header + VirtioNetHeader.FLAGS) & 0xFF;
        int gsoType = data.get(ValueLayout.JAVA_BYTE, header + VirtioNetHeader.GSO_TYPE) & 0xFF;
        int csumStart = (data.get(LE16, header + VirtioNetHeader.CSUM_START) & 0xFFFF) + shift;
        int csumOffset = data.get(LE16, header + VirtioNetHeader.CSUM_OFFSET) & 0xFFFF;
        boolean needsCsum = (flags & VirtioNetHeader.F_NEEDS_CSUM) != 0;
        if (needsCsum && (csumStart < SwitchedFrame.ETH_HEADER || csumStart + csumOffset + 2L > outLen)) {
            out.counters().dropped(DropReason.BAD_OFFLOAD, 1);
            return;
        }
        if (Offloads.fits(flags, gsoType, out.port().offloadsAccepted()) && outLen <= b.slotSize()) {
            keepOffload(b, f, tci, outLen, shift, needsCsum ? csumStart : 0);
        } else if (gsoType != VirtioNetHeader.GSO_NONE) {
            segment(out, f, tci, outLen, egress);
        } else if (outLen > b.slotSize()) {
            out.counters().dropped(DropReason.MTU, 1);
        } else {
            // a partial checksum the port cannot finish, or DATA_VALID it cannot take: a complete frame, zero header
            long to = b.offset(b.append(outLen));
            f.copyTo(b.data(), to, tci);
            if (needsCsum) {
                InternetChecksum.completePartial(b.data(), to, outLen, csumStart, csumOffset);
            }
        }
    }

    /** The port takes the offload: frame and header go along, the header's offsets moved by {@code shift}. */
    private static void keepOffload(PacketBurst b, SwitchedFrame f, int tci, int outLen, int shift, int csumStart) {
        int slot = b.append(outLen);
        MemorySegment dst = b.data();
        f.copyTo(dst, b.offset(slot), tci);
        long h = b.headerOffset(slot);
        MemorySegment.copy(f.data, f.header, dst, h, VirtioNetHeader.NUM_BUFFERS);
        if (shift != 0) {
            dst.set(LE16, h + VirtioNetHeader.CSUM_START, (short) csumStart);
            int hdrLen = f.data.get(LE16, f.header + VirtioNetHeader.HDR_LEN) & 0xFFFF;
            dst.set(LE16, h + VirtioNetHeader.HDR_LEN, (short) (hdrLen == 0 ? 0 : Math.max(0, hdrLen + shift)));
        }
    }

    /** A GSO frame the port cannot take: retagged into the worker's scratch, then cut into segments. */
    private static void segment(SwitchPort out, SwitchedFrame f, int tci, int outLen, EgressBuffers egress) {
        MemorySegment scratch = egress.scratch();
        if (outLen > scratch.byteSize()) {
            out.counters().dropped(DropReason.MTU, 1);
            return;
        }
        f.copyTo(scratch, 0, tci);
        TcpSegmenter seg = egress.segmenter();
        int n = seg.prepare(scratch, 0, outLen, f.gsoSize());
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
            seg.write(k, b.data(), b.offset(b.append(segLen)));
        }
    }
}
