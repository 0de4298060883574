package io.virtwire.provisioner.model;

import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A unicast Ethernet MAC address in libvirt's canonical form: six lowercase hex octets separated by colons.
 * Multicast addresses are rejected because libvirt and the NIC would refuse them as a station address.
 */
public record MacAddress(String value) {

    private static final Pattern SIX_OCTETS = Pattern.compile("[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}");

    public MacAddress {
        Objects.requireNonNull(value, "MAC address");
        if (!SIX_OCTETS.matcher(value).matches()) {
            throw new IllegalArgumentException("invalid MAC address '" + value
                    + "': expected six hex octets like 52:54:00:12:34:56");
        }
        value = value.toLowerCase(Locale.ROOT);
        if ((HexFormat.fromHexDigits(value, 0, 2) & 0x01) != 0) {
            throw new IllegalArgumentException("invalid MAC address '" + value
                    + "': the multicast bit (lowest bit of the first octet) is set; a NIC needs a unicast address,"
                    + " e.g. 52:54:00:xx:xx:xx");
        }
    }

    public static MacAddress parse(String text) {
        return new MacAddress(text == null ? null : text.strip());
    }

    @Override
    public String toString() {
        return value;
    }
}
