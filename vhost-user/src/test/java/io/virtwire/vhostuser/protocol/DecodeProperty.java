package io.virtwire.vhostuser.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What must hold for any input to {@link MessageCodec#decode}, shared by the fuzz and the randomized test:
 * it returns a message or throws {@link ProtocolException} (nothing else escapes), a failure names the
 * request and a rule, and an accepted message re-encodes to something that decodes to the same message.
 */
final class DecodeProperty {

    enum Outcome { ACCEPTED, REJECTED }

    private DecodeProperty() {
    }

    static Outcome check(MessageHeader header, byte[] payload, int fds, long negotiated, int maxQueues) {
        FrontendMessage message;
        try {
            message = MessageCodec.decode(header, payload, fds, negotiated, maxQueues);
        } catch (ProtocolException e) {
            String expectedPrefix = e.request().map(r -> r.name() + ": ").orElse("unknown request code ");
            assertTrue(e.getMessage().startsWith(expectedPrefix), e.getMessage());
            assertFalse(e.rule().isBlank(), e.getMessage());
            return Outcome.REJECTED;
        }
        assertNotNull(message);
        assertEquals(header.request(), message.request().code());
        byte[] reencoded = MessageCodec.payloadOf(message);
        MessageHeader again = new MessageHeader(header.request(), header.flags(), reencoded.length);
        try {
            assertEquals(message, MessageCodec.decode(again, reencoded, fds, negotiated, maxQueues));
        } catch (ProtocolException e) {
            throw new AssertionError("accepted " + message + " but not its re-encoding: " + e.getMessage(), e);
        }
        return Outcome.ACCEPTED;
    }
}
