package io.virtwire.vhostuser.protocol;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** encode then decode gives back the same message, for every supported request. */
class MessageCodecRoundTripTest {

    static List<FrontendMessage> edgeCases() {
        return SampleMessages.edgeCases();
    }

    @Test
    void edgeCasesCoverEverySupportedRequest() {
        Set<FrontendRequest> covered = EnumSet.noneOf(FrontendRequest.class);
        edgeCases().forEach(m -> covered.add(m.request()));
        assertEquals(Set.copyOf(SampleMessages.supported()), covered);
    }

    @ParameterizedTest
    @MethodSource("edgeCases")
    void roundTrips(FrontendMessage message) throws ProtocolException {
        assertRoundTrip(message, false);
        assertRoundTrip(message, true);
    }

    @Test
    void tenThousandRandomMessagesRoundTrip() throws ProtocolException {
        SplittableRandom rnd = new SplittableRandom(0x76686f7374L);
        Set<FrontendRequest> seen = EnumSet.noneOf(FrontendRequest.class);
        for (int i = 0; i < 10_000; i++) {
            FrontendMessage message = SampleMessages.random(rnd);
            seen.add(message.request());
            assertRoundTrip(message, rnd.nextBoolean());
        }
        assertEquals(Set.copyOf(SampleMessages.supported()), seen);
    }

    private static void assertRoundTrip(FrontendMessage message, boolean needReply) throws ProtocolException {
        byte[] frame = MessageCodec.encode(message, needReply);
        MessageHeader header = Frames.header(frame);
        assertEquals(message.request().code(), header.request());
        assertEquals(needReply, header.needsReply());
        assertEquals(frame.length - MessageHeader.SIZE, header.size());
        assertEquals(message, MessageCodec.decode(header, Frames.payload(frame), Frames.fdsFor(message), Frames.ALL_FEATURES),
                message::toString);
    }
}
