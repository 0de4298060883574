package io.virtwire.vhostuser.protocol;

import java.util.Arrays;
import java.util.HexFormat;

/** Test helpers: golden frames written as hex, and splitting a frame into header and payload. */
final class Frames {

    /** Every protocol feature this codec understands (XEN_MMAP changes the region layout and is not supported). */
    static final long ALL_FEATURES = allFeaturesExceptXen();

    private Frames() {
    }

    /** Bytes from hex with any whitespace, e.g. {@code "09000000 01000000"}. */
    static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex.replaceAll("\\s+", ""));
    }

    static MessageHeader header(byte[] frame) {
        return MessageHeader.parse(frame);
    }

    static byte[] payload(byte[] frame) {
        return Arrays.copyOfRange(frame, MessageHeader.SIZE, frame.length);
    }

    static FrontendMessage decodeFrame(byte[] frame, int fds, long negotiated) throws ProtocolException {
        return MessageCodec.decode(header(frame), payload(frame), fds, negotiated);
    }

    /** The fd count a well-behaved front-end attaches to this message. */
    static int fdsFor(FrontendMessage message) {
        return switch (message.request().fdPolicy()) {
            case NONE, ZERO_OR_ONE -> 0;
            case ONE -> 1;
            case ONE_UNLESS_NOFD -> ((VringFile) message).noFd() ? 0 : 1;
            case PER_REGION -> ((MemoryTable) message).regions().size();
        };
    }

    private static long allFeaturesExceptXen() {
        long bits = 0;
        for (ProtocolFeature f : ProtocolFeature.values()) {
            if (f != ProtocolFeature.XEN_MMAP) {
                bits |= f.mask();
            }
        }
        return bits;
    }
}
