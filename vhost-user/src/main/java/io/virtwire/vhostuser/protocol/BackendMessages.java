package io.virtwire.vhostuser.protocol;

import java.nio.ByteBuffer;

/**
 * Encoders for the back-end's own requests on the SET_BACKEND_REQ_FD channel, and the check of the front-end's
 * ack to them. Only what a net back-end sends: config change notices and IOTLB misses / access failures.
 * With REPLY_ACK negotiated and NEED_REPLY set the front-end answers with a u64 (0 = done).
 */
public final class BackendMessages {

    private BackendMessages() {
    }

    /** CONFIG_CHANGE_MSG (needs CONFIG): the device config space changed; the front-end will GET_CONFIG. */
    public static byte[] configChange(boolean needReply) {
        return frame(MessageHeader.forBackendRequest(BackendRequest.CONFIG_CHANGE_MSG, 0, needReply), new byte[0]);
    }

    /** IOTLB_MSG type MISS: no translation for {@code iova} with {@code permission}; the front-end sends an UPDATE. */
    public static byte[] iotlbMiss(long iova, IotlbMsg.Permission permission, boolean needReply) {
        return iotlb(iova, permission, IotlbMsg.Type.MISS, needReply);
    }

    /** IOTLB_MSG type ACCESS_FAIL: a translation exists but does not allow {@code permission}. */
    public static byte[] iotlbAccessFail(long iova, IotlbMsg.Permission permission, boolean needReply) {
        return iotlb(iova, permission, IotlbMsg.Type.ACCESS_FAIL, needReply);
    }

    /**
     * Checks the front-end's REPLY_ACK to a back-end request and returns whether it reported success.
     *
     * @throws ProtocolException when the reply does not answer {@code sent} or is not a u64
     */
    public static boolean ackSucceeded(BackendRequest sent, MessageHeader header, byte[] payload) throws ProtocolException {
        if (header.request() != sent.code() || !header.isReply() || header.version() != MessageHeader.VERSION
                || header.reservedFlags() != 0) {
            throw ProtocolException.backendReply(sent, "got request code " + header.request() + ", flags 0x"
                    + Integer.toHexString(header.flags()) + ", expected code " + sent.code() + ", flags 0x5");
        }
        if (header.size() != 8 || payload.length != 8) {
            throw ProtocolException.backendReply(sent, "payload is " + payload.length + " bytes (header says " + header.size()
                    + "), expected 8");
        }
        return ByteBuffer.wrap(payload).order(MessageHeader.ORDER).getLong(0) == 0;
    }

    private static byte[] iotlb(long iova, IotlbMsg.Permission permission, IotlbMsg.Type type, boolean needReply) {
        byte[] payload = ByteBuffer.allocate(PayloadKind.IOTLB.minSize()).order(MessageHeader.ORDER)
                .putLong(iova).putLong(0).putLong(0).put((byte) permission.wire()).put((byte) type.wire()).array();
        return frame(MessageHeader.forBackendRequest(BackendRequest.IOTLB_MSG, payload.length, needReply), payload);
    }

    private static byte[] frame(MessageHeader header, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(MessageHeader.SIZE + payload.length);
        header.writeTo(b);
        return b.put(payload).array();
    }
}
