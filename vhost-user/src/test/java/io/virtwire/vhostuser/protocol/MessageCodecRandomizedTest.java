package io.virtwire.vhostuser.protocol;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A bounded, seeded stand-in for coverage-guided fuzzing (Jazzer 0.24.0 cannot instrument Java 25 class
 * files, see {@link MessageCodecFuzzTest}): 100,000 hostile messages, most of them a valid message with a few
 * bytes, the fd count or the negotiated features changed, so the generator gets past the first checks.
 */
class MessageCodecRandomizedTest {

    private static final int MESSAGES = 100_000;

    @Test
    void hundredThousandHostileMessagesOnlyEverDecodeOrFailWithProtocolException() {
        SplittableRandom rnd = new SplittableRandom(20261122L);
        Map<DecodeProperty.Outcome, Integer> outcomes = new EnumMap<>(DecodeProperty.Outcome.class);
        for (int i = 0; i < MESSAGES; i++) {
            Input in = switch (rnd.nextInt(4)) {
                case 0 -> randomFrame(rnd);
                case 1 -> resized(rnd);
                default -> mutated(rnd);
            };
            outcomes.merge(DecodeProperty.check(in.header, in.payload, in.fds, in.negotiated, in.maxQueues), 1, Integer::sum);
        }
        // both paths must be exercised in earnest, or the test proves nothing
        assertTrue(outcomes.getOrDefault(DecodeProperty.Outcome.ACCEPTED, 0) > MESSAGES / 20, outcomes::toString);
        assertTrue(outcomes.getOrDefault(DecodeProperty.Outcome.REJECTED, 0) > MESSAGES / 20, outcomes::toString);
    }

    private record Input(MessageHeader header, byte[] payload, int fds, long negotiated, int maxQueues) {
    }

    private static Input randomFrame(SplittableRandom rnd) {
        int size = rnd.nextInt(300);
        byte[] payload = new byte[size];
        rnd.nextBytes(payload);
        int flags = rnd.nextBoolean() ? MessageHeader.VERSION : rnd.nextInt();
        MessageHeader header = new MessageHeader(rnd.nextInt(48), flags, size);
        return new Input(header, payload, rnd.nextInt(10), rnd.nextLong(), 1 + rnd.nextInt(WireLimits.MAX_VRINGS));
    }

    private static Input resized(SplittableRandom rnd) {
        FrontendMessage m = SampleMessages.random(rnd);
        byte[] payload = MessageCodec.payloadOf(m);
        byte[] changed = Arrays.copyOf(payload, Math.max(0, payload.length + rnd.nextInt(-9, 10)));
        long headerSize = rnd.nextInt(8) == 0 ? rnd.nextLong(0x1_0000_0000L) : changed.length;
        return new Input(MessageHeader.forRequest(m.request(), 0, false).withSize(headerSize), changed, Frames.fdsFor(m),
                Frames.ALL_FEATURES, WireLimits.MAX_VRINGS);
    }

    private static Input mutated(SplittableRandom rnd) {
        FrontendMessage m = SampleMessages.random(rnd);
        byte[] frame = MessageCodec.encode(m, rnd.nextBoolean());
        int flips = rnd.nextInt(4);
        for (int i = 0; i < flips; i++) {
            int at = MessageHeader.SIZE + rnd.nextInt(Math.max(1, frame.length - MessageHeader.SIZE));
            if (at < frame.length) {
                frame[at] = (byte) rnd.nextInt(256);
            }
        }
        if (rnd.nextInt(8) == 0) {
            frame[rnd.nextInt(8)] = (byte) rnd.nextInt(256); // request code or flags
        }
        MessageHeader header = Frames.header(frame);
        byte[] payload = Frames.payload(frame);
        if (header.size() != payload.length) {
            header = header.withSize(payload.length);
        }
        int fds = rnd.nextInt(6) == 0 ? rnd.nextInt(10) : Frames.fdsFor(m);
        long negotiated = rnd.nextInt(6) == 0 ? rnd.nextLong() : Frames.ALL_FEATURES;
        int maxQueues = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(WireLimits.MAX_VRINGS) : WireLimits.MAX_VRINGS;
        return new Input(header, payload, fds, negotiated, maxQueues);
    }
}
