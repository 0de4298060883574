package io.virtwire.provisioner.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PciAddressTest {

    @Test
    void parsesSysfsForm() {
        PciAddress a = PciAddress.parse("0000:07:00.2");
        assertEquals(new PciAddress(0, 7, 0, 2), a);
        assertEquals("0000:07:00.2", a.toString());
    }

    @Test
    void parsesWithoutDomainAndUppercase() {
        assertEquals(new PciAddress(0, 0x3b, 0x1f, 7), PciAddress.parse("3B:1F.7"));
        assertEquals(new PciAddress(0xffff, 0xff, 0x1f, 7), PciAddress.parse("ffff:ff:1f.7"));
    }

    @Test
    void formatsLibvirtAttributes() {
        PciAddress a = PciAddress.parse("0001:3b:02.3");
        assertEquals("0x0001", a.libvirtDomain());
        assertEquals("0x3b", a.libvirtBus());
        assertEquals("0x02", a.libvirtSlot());
        assertEquals("0x3", a.libvirtFunction());
        assertEquals(a, PciAddress.fromLibvirt("0x0001", "0x3b", "0x02", "0x3"));
        assertEquals(a, PciAddress.fromLibvirt("1", "59", "2", "3"));
    }

    @Test
    void slotAbove1fIsRejectedWithRange() {
        var e = assertThrows(IllegalArgumentException.class, () -> PciAddress.parse("0000:07:20.0"));
        assertEquals("invalid PCI address '0000:07:20.0': slot 0x20 is out of range 0x0..0x1f", e.getMessage());
    }

    @Test
    void componentRanges() {
        assertThrows(IllegalArgumentException.class, () -> new PciAddress(0x10000, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new PciAddress(0, 0x100, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new PciAddress(0, 0, 0, 8));
        assertThrows(IllegalArgumentException.class, () -> new PciAddress(-1, 0, 0, 0));
        var e = assertThrows(IllegalArgumentException.class, () -> PciAddress.fromLibvirt("0x0", "0x1", "zz", "0"));
        assertTrue(e.getMessage().contains("slot 'zz'"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "0000:07:00", "0000:07:00.8", "00000:07:00.1", "0000:07:00.2x", "07.00.2"})
    void rejectsMalformed(String text) {
        var e = assertThrows(IllegalArgumentException.class, () -> PciAddress.parse(text));
        assertTrue(e.getMessage().startsWith("invalid PCI address '" + text + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("0000:07:00.2"), "message shows an example: " + e.getMessage());
    }
}
