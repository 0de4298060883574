package io.virtwire.vhostuser.protocol;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Jazzer target for {@link MessageCodec#decode}. Input layout: 1 byte fd count (low 4 bits; bit 7 keeps the
 * header's size field even when it disagrees with the payload), 8 bytes negotiated protocol features, then a
 * frame (12-byte header and payload). Seeds are valid frames, in MessageCodecFuzzTestInputs/.
 *
 * <p>Without JAZZER_FUZZ this replays the seeds as a unit test; with {@code JAZZER_FUZZ=1} it is a coverage-guided
 * run of {@code maxDuration} (Jazzer 0.30.0 instruments Java 25 class files; 0.24.0 could not). The seeded
 * {@link MessageCodecRandomizedTest} stays as a deterministic load in every build.
 */
class MessageCodecFuzzTest {

    @FuzzTest(maxDuration = "20s")
    void decodeOnlyReturnsAMessageOrThrowsProtocolException(byte[] input) {
        if (input.length < 1 + 8 + MessageHeader.SIZE) {
            return;
        }
        ByteBuffer in = ByteBuffer.wrap(input).order(ByteOrder.LITTLE_ENDIAN);
        int control = in.get() & 0xFF;
        long negotiated = in.getLong();
        MessageHeader header = MessageHeader.parse(in);
        byte[] payload = Arrays.copyOfRange(input, in.position(), input.length);
        if ((control & 0x80) == 0) {
            header = header.withSize(payload.length);
        }
        DecodeProperty.check(header, payload, control & 0x0F, negotiated, WireLimits.MAX_VRINGS);
    }
}
