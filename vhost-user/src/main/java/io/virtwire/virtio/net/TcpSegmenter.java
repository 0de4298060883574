package io.virtwire.virtio.net;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Software TCP segmentation (GSO) for a receiver that cannot take a GSO frame: splits the payload into
 * {@code gso_size} pieces, each behind a copy of the headers with IP total/payload length, IPv4 id (+1 per
 * segment) and header checksum, TCP sequence number fixed; FIN and PSH only on the last segment, CWR only on the
 * first; TCP checksum computed in full. The segments carry no offload. A reusable flyweight: {@link #prepare},
 * then {@link #segmentLength} and {@link #write} for each segment into wherever the caller has room (no
 * allocation).
 */
public final class TcpSegmenter {

    private static final ValueLayout.OfShort BE16 = TcpFrame.BE16;
    private static final ValueLayout.OfInt BE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final int FIN = 0x01;
    private static final int PSH = 0x08;
    private static final int CWR = 0x80;

    private final TcpFrame tcp = new TcpFrame();
    private MemorySegment src;
    private long frame;
    private int mss;
    private int segments;
    private long pseudo;

    /**
     * @return how many segments the frame becomes, or -1 if it is not TCP over IPv4/IPv6 with a payload, or
     * {@code gsoSize} is 0, or it would be more than {@link OffloadCheck#MAX_SEGMENTS}
     */
    public int prepare(MemorySegment src, long frame, int length, int gsoSize) {
        if (gsoSize <= 0 || !tcp.parse(src, frame, length) || tcp.payloadLength() == 0) {
            return -1;
        }
        int n = (tcp.payloadLength() + gsoSize - 1) / gsoSize;
        if (n > OffloadCheck.MAX_SEGMENTS) {
            return -1;
        }
        this.src = src;
        this.frame = frame;
        this.mss = gsoSize;
        this.segments = n;
        // the addresses of the pseudo-header are the same in every segment
        pseudo = tcp.ipv6()
                ? InternetChecksum.add(src, frame + tcp.l3() + 8, 32, TcpFrame.TCP)
                : InternetChecksum.add(src, frame + tcp.l3() + 12, 8, TcpFrame.TCP);
        return n;
    }

    public int segments() {
        return segments;
    }

    /** Bytes of segment {@code k} (headers and its payload). */
    public int segmentLength(int k) {
        return tcp.payload() + payloadOf(k);
    }

    private int payloadOf(int k) {
        return Math.min(mss, tcp.payloadLength() - k * mss);
    }

    /** Writes segment {@code k} (complete, checksums included) at {@code dst[to, to + segmentLength(k))}. */
    public void write(int k, MemorySegment dst, long to) {
        int headers = tcp.payload();
        int piece = payloadOf(k);
        MemorySegment.copy(src, frame, dst, to, headers);
        MemorySegment.copy(src, frame + headers + (long) k * mss, dst, to + headers, piece);
        long l3 = to + tcp.l3();
        long l4 = to + tcp.l4();
        int tcpLength = headers - tcp.l4() + piece;
        if (tcp.ipv6()) {
            dst.set(BE16, l3 + 4, (short) (tcpLength));
        } else {
            int ihl = tcp.l4() - tcp.l3();
            dst.set(BE16, l3 + 2, (short) (ihl + tcpLength));
            dst.set(BE16, l3 + 4, (short) ((src.get(BE16, frame + tcp.l3() + 4) & 0xFFFF) + k));
            dst.set(BE16, l3 + 10, (short) 0);
            dst.set(BE16, l3 + 10, (short) (~InternetChecksum.fold(InternetChecksum.add(dst, l3, ihl, 0)) & 0xFFFF));
        }
        dst.set(BE32, l4 + 4, src.get(BE32, frame + tcp.l4() + 4) + k * mss);
        int flags = dst.get(ValueLayout.JAVA_BYTE, l4 + 13) & 0xFF;
        if (k != segments - 1) {
            flags &= ~(FIN | PSH);
        }
        if (k != 0) {
            flags &= ~CWR;
        }
        dst.set(ValueLayout.JAVA_BYTE, l4 + 13, (byte) flags);
        dst.set(BE16, l4 + 16, (short) 0);
        long sum = InternetChecksum.add(dst, l4, tcpLength, pseudo + tcpLength);
        dst.set(BE16, l4 + 16, (short) InternetChecksum.finish(sum));
    }
}
