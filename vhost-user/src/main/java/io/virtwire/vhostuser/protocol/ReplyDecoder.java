package io.virtwire.vhostuser.protocol;

import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * The front-end side of replies: checks that a received reply answers the request that was sent and has the
 * layout that request's reply has. Used by the QEMU-like test front-end and diagnostics; a back-end never
 * decodes replies.
 */
public final class ReplyDecoder {

    /** GET_VRING_BASE's reply: the ring and the next available index (packed rings: both indices and wrap counters). */
    public record VringBase(int index, long num) {
    }

    private ReplyDecoder() {
    }

    /** A u64 reply: the value of GET_FEATURES & co., or a REPLY_ACK / IOTLB_MSG status (0 = success). */
    public static long u64(FrontendRequest sent, MessageHeader header, byte[] payload) throws ProtocolException {
        return body(sent, header, payload, 8).getLong(0);
    }

    /** A REPLY_ACK (or any u64 status reply): true when the back-end reported success (0). */
    public static boolean ack(FrontendRequest sent, MessageHeader header, byte[] payload) throws ProtocolException {
        return u64(sent, header, payload) == 0;
    }

    public static VringBase vringBase(MessageHeader header, byte[] payload) throws ProtocolException {
        ByteBuffer b = body(FrontendRequest.GET_VRING_BASE, header, payload, 8);
        return new VringBase(b.getInt(0), Integer.toUnsignedLong(b.getInt(4)));
    }

    /** GET_CONFIG's reply; empty when the back-end signalled failure with an empty payload. */
    public static Optional<ConfigSpace> config(MessageHeader header, byte[] payload) throws ProtocolException {
        checkReplyHeader(FrontendRequest.GET_CONFIG, header, payload);
        if (payload.length == 0) {
            return Optional.empty();
        }
        FrontendMessage decoded = decodeAs(FrontendRequest.GET_CONFIG, header, payload);
        return Optional.of((ConfigSpace) decoded);
    }

    public static InflightDesc inflight(MessageHeader header, byte[] payload) throws ProtocolException {
        ByteBuffer b = body(FrontendRequest.GET_INFLIGHT_FD, header, payload, PayloadKind.INFLIGHT.minSize());
        try {
            return InflightDesc.reply(b.getLong(0), b.getLong(8), b.getShort(16) & 0xFFFF, b.getShort(18) & 0xFFFF);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(FrontendRequest.GET_INFLIGHT_FD, "reply: " + e.getMessage());
        }
    }

    private static ByteBuffer body(FrontendRequest sent, MessageHeader header, byte[] payload, int size) throws ProtocolException {
        checkReplyHeader(sent, header, payload);
        if (payload.length != size) {
            throw new ProtocolException(sent, "reply payload is " + payload.length + " bytes, expected " + size);
        }
        return ByteBuffer.wrap(payload).order(MessageHeader.ORDER);
    }

    private static void checkReplyHeader(FrontendRequest sent, MessageHeader header, byte[] payload) throws ProtocolException {
        if (header.request() != sent.code()) {
            throw new ProtocolException(sent, "reply has request code " + header.request() + ", expected " + sent.code());
        }
        if (header.version() != MessageHeader.VERSION || !header.isReply() || header.reservedFlags() != 0) {
            throw new ProtocolException(sent, "reply flags 0x" + Integer.toHexString(header.flags()) + ", expected 0x5");
        }
        if (header.size() != payload.length) {
            throw new ProtocolException(sent, "reply payload holds " + payload.length + " bytes, header says " + header.size());
        }
    }

    /** Reuses the request decoder for a reply with the request's layout (GET_CONFIG). */
    private static FrontendMessage decodeAs(FrontendRequest sent, MessageHeader header, byte[] payload) throws ProtocolException {
        MessageHeader asRequest = MessageHeader.forRequest(sent, payload.length, false);
        long feature = sent.requiredProtocolFeature().map(ProtocolFeature::mask).orElse(0L);
        try {
            return MessageCodec.decode(asRequest, payload, 0, feature);
        } catch (ProtocolException e) {
            throw new ProtocolException(sent, "reply: " + e.rule());
        }
    }
}
