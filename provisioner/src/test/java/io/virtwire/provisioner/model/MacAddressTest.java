package io.virtwire.provisioner.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MacAddressTest {

    @Test
    void normalisesToLowercase() {
        assertEquals("52:54:00:ab:cd:ef", MacAddress.parse(" 52:54:00:AB:cd:EF ").value());
        assertEquals(MacAddress.parse("52:54:00:AB:CD:EF"), MacAddress.parse("52:54:00:ab:cd:ef"));
    }

    @Test
    void namesValueAndRuleForNonHex() {
        var e = assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("52:54:00:zz:00:01"));
        assertEquals("invalid MAC address '52:54:00:zz:00:01': expected six hex octets like 52:54:00:12:34:56",
                e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "52:54:00:12:34", "52:54:00:12:34:56:78", "52-54-00-12-34-56", "525400123456",
        "52:54:0:12:34:56"})
    void rejectsMalformed(String text) {
        var e = assertThrows(IllegalArgumentException.class, () -> MacAddress.parse(text));
        assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"01:00:5e:00:00:01", "33:33:00:00:00:01", "ff:ff:ff:ff:ff:ff"})
    void rejectsMulticast(String text) {
        var e = assertThrows(IllegalArgumentException.class, () -> MacAddress.parse(text));
        assertTrue(e.getMessage().contains("multicast"), e.getMessage());
    }
}
