package io.virtwire.vhostuser.net;

import io.virtwire.virtio.net.HeaderFault;
import io.virtwire.virtio.net.InternetChecksum;
import io.virtwire.virtio.net.OffloadCheck;
import io.virtwire.virtio.net.Offloads;
import io.virtwire.virtio.net.PacketBurst;
import io.virtwire.virtio.net.VirtioNetFeatures;
import io.virtwire.virtio.net.VirtioNetHeader;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The virtio-net header rules of one queue pair, from the features the guest acked: its size (12 bytes with
 * VERSION_1 or MRG_RXBUF, else the legacy 10), whether receive buffers merge, and which offloads travel each way.
 * From the guest, a header is checked against the frame and the negotiated features ({@link OffloadCheck}) and
 * becomes the burst's header; a bad one drops the frame ({@link #offloadRefused}). To the guest, only offloads it
 * negotiated are delivered: a partial checksum it did not ask for is completed here, a GSO frame it cannot take is
 * dropped ({@link #offloadUndeliverable}). A guest that negotiated no offload cannot ask for one: its header is not
 * read at all ({@link #headerIgnored()}).
 *
 * <p>Configured by {@code queueStarted} and used by the pair's data path, both under the pair's lock; the counters
 * are read racily.
 */
final class NetHeaderPolicy {

    private final OffloadCheck offloadCheck = new OffloadCheck();
    private final VirtioNetHeader view = new VirtioNetHeader();
    private int headerSize = VirtioNetHeader.SIZE;
    private boolean mergeable;
    /** {@link Offloads} the guest may send / takes. */
    private int guestSends;
    private int guestReceives;
    long offloadRefused;
    long offloadUndeliverable;

    /** @param offered the features the device offered: only what both sides have counts */
    void configure(long acked, long offered) {
        headerSize = VirtioNetFeatures.netHeaderSize(acked);
        mergeable = VirtioNetFeatures.has(acked, VirtioNetFeatures.MRG_RXBUF);
        guestSends = Offloads.guestSends(acked & offered);
        guestReceives = Offloads.guestReceives(acked & offered);
    }

    int headerSize() {
        return headerSize;
    }

    boolean mergeable() {
        return mergeable;
    }

    /**
     * Whether the guest's headers are not read at all: it negotiated no offload (DPDK's vhost library does the
     * same). The header usually sits in a cache line of its own in front of the frame, written by the other core,
     * so reading it cost a miss per frame (docs/benchmarks.md, change 17).
     */
    boolean headerIgnored() {
        return guestSends == Offloads.NONE;
    }

    /** Makes the header of a frame from the guest the burst's: false if the frame must be dropped. */
    boolean acceptFromGuest(PacketBurst burst, int slot) {
        MemorySegment data = burst.data();
        long h = burst.headerOffset(slot);
        if (headerSize != VirtioNetHeader.SIZE) {
            // legacy 10-byte header: move it to where the burst keeps headers
            MemorySegment.copy(data, burst.offset(slot) - headerSize, data, h, VirtioNetHeader.LEGACY_SIZE);
        }
        if (!burst.hasOffload(slot)) {
            // nothing asked: whatever else the guest wrote in the header goes nowhere
            data.set(ValueLayout.JAVA_LONG_UNALIGNED, h, 0L);
            data.set(ValueLayout.JAVA_INT_UNALIGNED, h + 8, 0);
            return true;
        }
        HeaderFault fault = offloadCheck.check(data, h, burst.offset(slot), burst.length(slot), guestSends);
        if (fault != null) {
            offloadRefused++;
            return false;
        }
        // DATA_VALID means nothing from the guest: never pass its claim on
        int flags = data.get(ValueLayout.JAVA_BYTE, h + VirtioNetHeader.FLAGS) & ~VirtioNetHeader.F_DATA_VALID;
        data.set(ValueLayout.JAVA_BYTE, h + VirtioNetHeader.FLAGS, (byte) flags);
        // num_buffers is meaningless from the guest and never trusted
        data.set(ValueLayout.JAVA_SHORT_UNALIGNED, h + VirtioNetHeader.NUM_BUFFERS, (short) 0);
        return true;
    }

    /**
     * Makes frame {@code i}'s header fit what the guest negotiated to receive: a partial checksum is completed and
     * DATA_VALID dropped for a guest without GUEST_CSUM; false if the frame needs segmentation the guest cannot do.
     */
    boolean fitToGuest(PacketBurst burst, int i) {
        MemorySegment data = burst.data();
        long h = burst.headerOffset(i);
        int flags = data.get(ValueLayout.JAVA_BYTE, h + VirtioNetHeader.FLAGS) & 0xFF;
        int gsoType = data.get(ValueLayout.JAVA_BYTE, h + VirtioNetHeader.GSO_TYPE) & 0xFF;
        if (Offloads.fits(flags, gsoType, guestReceives)) {
            return true;
        }
        if (gsoType != VirtioNetHeader.GSO_NONE) {
            offloadUndeliverable++;
            return false;
        }
        if ((flags & VirtioNetHeader.F_NEEDS_CSUM) != 0) {
            view.wrap(data, h);
            int length = burst.length(i);
            if (view.csumStart() + view.csumOffset() + 2L > length) {
                offloadUndeliverable++;
                return false;
            }
            InternetChecksum.completePartial(data, burst.offset(i), length, view.csumStart(), view.csumOffset());
        }
        data.set(ValueLayout.JAVA_LONG_UNALIGNED, h, 0L);
        data.set(ValueLayout.JAVA_SHORT_UNALIGNED, h + 8, (short) 0);
        return true;
    }
}
