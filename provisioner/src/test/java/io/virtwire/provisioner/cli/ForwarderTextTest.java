package io.virtwire.provisioner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class ForwarderTextTest {

    @Test
    void ratesHaveThreeSignificantDigitsAndAnSiPrefix() {
        assertEquals("0", ForwarderText.rate(0));
        assertEquals("950", ForwarderText.rate(949.6));
        assertEquals("1.00k", ForwarderText.rate(999.5));
        assertEquals("12.3k", ForwarderText.rate(12_345));
        assertEquals("123k", ForwarderText.rate(123_456));
        assertEquals("4.56M", ForwarderText.rate(4_560_000));
        assertEquals("10.0G", ForwarderText.rate(9.9996e9));
    }

    @Test
    void aCounterThatStartedOverCountsAsNoProgress() throws Exception {
        ObjectMapper json = new ObjectMapper();
        var before = json.readTree("{\"rxPackets\":100}");
        assertEquals(50, ForwarderText.delta(before, json.readTree("{\"rxPackets\":150}"), "rxPackets"));
        assertEquals(0, ForwarderText.delta(before, json.readTree("{\"rxPackets\":7}"), "rxPackets"));
    }
}
