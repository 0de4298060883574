package io.virtwire.vhostuser.protocol;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import static org.junit.jupiter.api.Assertions.assertNotNull;

class MessageCodecFuzzTest {

    @FuzzTest(maxDuration = "20s")
    void decodeOnlyReturnsAMessageOrThrowsProtocolException(FuzzedDataProvider data) {
        MessageHeader header = new MessageHeader(data.consumeInt(0, 50), data.consumeInt(), data.consumeInt(0, 300));
        byte[] payload = data.consumeBytes((int) header.size());
        try {
            assertNotNull(MessageCodec.decode(header, payload, data.consumeInt(0, 10), data.consumeLong()));
        } catch (ProtocolException expected) {
            // the only acceptable failure
        }
    }
}
