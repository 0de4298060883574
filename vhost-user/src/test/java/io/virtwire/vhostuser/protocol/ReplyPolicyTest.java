package io.virtwire.vhostuser.protocol;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static io.virtwire.vhostuser.protocol.Frames.hex;
import static io.virtwire.vhostuser.protocol.ReplyPolicy.Decision.ACK;
import static io.virtwire.vhostuser.protocol.ReplyPolicy.Decision.NONE;
import static io.virtwire.vhostuser.protocol.ReplyPolicy.Decision.OWN_REPLY;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReplyPolicyTest {

    private static final ProtocolFeatures REPLY_ACK = ProtocolFeatures.of(ProtocolFeature.REPLY_ACK);

    private static MessageHeader header(FrontendRequest r, boolean needReply) {
        return MessageHeader.forRequest(r, 0, needReply);
    }

    @ParameterizedTest
    @EnumSource(value = FrontendRequest.class, names = {"GET_FEATURES", "GET_PROTOCOL_FEATURES", "GET_VRING_BASE",
            "SET_LOG_BASE", "GET_INFLIGHT_FD", "GET_QUEUE_NUM", "IOTLB_MSG", "GET_CONFIG", "GET_MAX_MEM_SLOTS", "GET_STATUS"})
    void requestsWithTheirOwnReplyAlwaysGetIt(FrontendRequest request) {
        assertEquals(OWN_REPLY, ReplyPolicy.decide(request, header(request, false), ProtocolFeatures.NONE));
        assertEquals(OWN_REPLY, ReplyPolicy.decide(request, header(request, true), REPLY_ACK));
    }

    @ParameterizedTest
    @EnumSource(value = FrontendRequest.class, names = {"SET_MEM_TABLE", "SET_VRING_ADDR", "SET_VRING_KICK",
            "NET_SET_MTU", "SET_BACKEND_REQ_FD", "SET_VRING_ENABLE"})
    void needReplyWithReplyAckNegotiatedGetsAnAck(FrontendRequest request) {
        assertEquals(ACK, ReplyPolicy.decide(request, header(request, true), REPLY_ACK));
    }

    @Test
    void needReplyWithoutReplyAckNegotiatedGetsNothing() {
        assertEquals(NONE, ReplyPolicy.decide(FrontendRequest.SET_MEM_TABLE, header(FrontendRequest.SET_MEM_TABLE, true),
                ProtocolFeatures.of(ProtocolFeature.MQ)));
    }

    @Test
    void replyAckNegotiatedButNotAskedForGetsNothing() {
        assertEquals(NONE, ReplyPolicy.decide(FrontendRequest.SET_MEM_TABLE, header(FrontendRequest.SET_MEM_TABLE, false),
                REPLY_ACK));
    }

    @Test
    void ackBytesCarryTheOutcome() {
        MessageHeader h = header(FrontendRequest.SET_VRING_ADDR, true);
        assertArrayEquals(hex("09000000 05000000 08000000 0000000000000000"),
                ReplyPolicy.replyBytes(FrontendRequest.SET_VRING_ADDR, h, REPLY_ACK, null, true).orElseThrow());
        assertArrayEquals(hex("09000000 05000000 08000000 0100000000000000"),
                ReplyPolicy.replyBytes(FrontendRequest.SET_VRING_ADDR, h, REPLY_ACK, null, false).orElseThrow());
        assertTrue(ReplyPolicy.replyBytes(FrontendRequest.SET_VRING_ADDR, h, ProtocolFeatures.NONE, null, true).isEmpty());
    }

    @Test
    void ownReplyIsPassedThroughAndRequired() {
        byte[] own = MessageCodec.encodeReplyU64(FrontendRequest.GET_FEATURES, 42);
        MessageHeader h = header(FrontendRequest.GET_FEATURES, true);
        assertArrayEquals(own, ReplyPolicy.replyBytes(FrontendRequest.GET_FEATURES, h, REPLY_ACK, own, true).orElseThrow());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReplyPolicy.replyBytes(FrontendRequest.GET_FEATURES, h, REPLY_ACK, null, true));
        assertEquals("GET_FEATURES must be answered with its own U64 reply, and none was given", e.getMessage());
    }

    @Test
    void requestsWithTheirOwnReplyAreNeverAcked() {
        assertThrows(IllegalArgumentException.class, () -> MessageCodec.encodeAck(FrontendRequest.GET_FEATURES, true));
        assertThrows(IllegalArgumentException.class, () -> MessageCodec.encodeReplyU64(FrontendRequest.SET_MEM_TABLE, 0));
    }
}
