package io.virtwire.vhostuser.protocol;

import org.junit.jupiter.api.Test;

import static io.virtwire.vhostuser.protocol.Frames.header;
import static io.virtwire.vhostuser.protocol.Frames.hex;
import static io.virtwire.vhostuser.protocol.Frames.payload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Replies encoded by {@link MessageCodec} decode back on the front-end side; wrong replies are named. */
class ReplyDecoderTest {

    @Test
    void u64AndAckRoundTrip() throws ProtocolException {
        byte[] r = MessageCodec.encodeReplyU64(FrontendRequest.GET_FEATURES, 0x1_4000_0000L);
        assertEquals(0x1_4000_0000L, ReplyDecoder.u64(FrontendRequest.GET_FEATURES, header(r), payload(r)));
        byte[] ok = MessageCodec.encodeAck(FrontendRequest.SET_MEM_TABLE, true);
        byte[] failed = MessageCodec.encodeAck(FrontendRequest.SET_MEM_TABLE, false);
        assertTrue(ReplyDecoder.ack(FrontendRequest.SET_MEM_TABLE, header(ok), payload(ok)));
        assertFalse(ReplyDecoder.ack(FrontendRequest.SET_MEM_TABLE, header(failed), payload(failed)));
    }

    @Test
    void vringBaseRoundTrips() throws ProtocolException {
        byte[] r = MessageCodec.encodeReplyVringState(3, 0x8001_0002L);
        assertEquals(new ReplyDecoder.VringBase(3, 0x8001_0002L), ReplyDecoder.vringBase(header(r), payload(r)));
    }

    @Test
    void configRoundTripsAndEmptyMeansFailure() throws ProtocolException {
        ConfigSpace c = new ConfigSpace(FrontendRequest.GET_CONFIG, 6, 0, hex("0100"));
        byte[] r = MessageCodec.encodeReplyConfig(c);
        assertEquals(c, ReplyDecoder.config(header(r), payload(r)).orElseThrow());
        byte[] failure = MessageCodec.encodeReplyConfigFailure();
        assertTrue(ReplyDecoder.config(header(failure), payload(failure)).isEmpty());
    }

    @Test
    void inflightRoundTrips() throws ProtocolException {
        InflightDesc d = InflightDesc.reply(0x2000, 0x1000, 2, 256);
        byte[] r = MessageCodec.encodeReplyInflight(d);
        assertEquals(d, ReplyDecoder.inflight(header(r), payload(r)));
    }

    @Test
    void replyToAnotherRequestIsRejected() {
        byte[] r = MessageCodec.encodeReplyU64(FrontendRequest.GET_PROTOCOL_FEATURES, 1);
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> ReplyDecoder.u64(FrontendRequest.GET_FEATURES, header(r), payload(r)));
        assertEquals("GET_FEATURES: reply has request code 15, expected 1", e.getMessage());
    }

    @Test
    void replyWithoutReplyFlagIsRejected() {
        byte[] notAReply = hex("01000000 01000000 08000000 0000000000000000");
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> ReplyDecoder.u64(FrontendRequest.GET_FEATURES, header(notAReply), payload(notAReply)));
        assertEquals("GET_FEATURES: reply flags 0x1, expected 0x5", e.getMessage());
    }

    @Test
    void shortReplyIsRejected() {
        byte[] shortReply = hex("01000000 05000000 04000000 00000000");
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> ReplyDecoder.u64(FrontendRequest.GET_FEATURES, header(shortReply), payload(shortReply)));
        assertEquals("GET_FEATURES: reply payload is 4 bytes, expected 8", e.getMessage());
    }

    @Test
    void headerParsesWhatItWrites() {
        MessageHeader h = new MessageHeader(0xFFFF_FFFFL, 0x8000_0009, 0xFFFF_FFFFL);
        assertEquals(h, MessageHeader.parse(h.toBytes()));
        assertArrayEquals(hex("ffffffff 09000080 ffffffff"), h.toBytes());
    }
}
