package io.virtwire.provisioner.model;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PCI function address (domain:bus:slot.function), as sysfs and lspci print it: {@code 0000:07:00.2}.
 */
public record PciAddress(int domain, int bus, int slot, int function) implements Comparable<PciAddress> {

    private static final Pattern BDF =
            Pattern.compile("(?:([0-9a-fA-F]{1,4}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\\.([0-7])");

    public PciAddress {
        check("domain", domain, 0xffff);
        check("bus", bus, 0xff);
        check("slot", slot, 0x1f);
        check("function", function, 7);
    }

    private static void check(String field, int value, int max) {
        if (value < 0 || value > max) {
            throw new IllegalArgumentException("invalid PCI address: " + field + " 0x" + Integer.toHexString(value)
                    + " is out of range 0x0..0x" + Integer.toHexString(max));
        }
    }

    /** Parses {@code DDDD:BB:SS.F} or {@code BB:SS.F} (domain 0). */
    public static PciAddress parse(String text) {
        Matcher m = text == null ? null : BDF.matcher(text.strip());
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException("invalid PCI address '" + text
                    + "': expected domain:bus:slot.function in hex like 0000:07:00.2");
        }
        int domain = m.group(1) == null ? 0 : Integer.parseInt(m.group(1), 16);
        try {
            return new PciAddress(domain, Integer.parseInt(m.group(2), 16), Integer.parseInt(m.group(3), 16),
                    Integer.parseInt(m.group(4)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid PCI address '" + text + "': " + e.getMessage()
                    .substring("invalid PCI address: ".length()), e);
        }
    }

    /**
     * Builds the address from libvirt's attribute strings ({@code domain='0x0000' bus='0x07' ...}); libvirt
     * accepts hex with 0x prefix or decimal.
     */
    public static PciAddress fromLibvirt(String domain, String bus, String slot, String function) {
        return new PciAddress(number("domain", domain), number("bus", bus), number("slot", slot),
                number("function", function));
    }

    private static int number(String field, String text) {
        if (text == null) {
            return 0;
        }
        String t = text.strip();
        try {
            return t.startsWith("0x") || t.startsWith("0X") ? Integer.parseInt(t.substring(2), 16)
                    : Integer.parseInt(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid PCI address " + field + " '" + text
                    + "': expected a hex number like 0x07 or a decimal number", e);
        }
    }

    public String libvirtDomain() {
        return String.format("0x%04x", domain);
    }

    public String libvirtBus() {
        return String.format("0x%02x", bus);
    }

    public String libvirtSlot() {
        return String.format("0x%02x", slot);
    }

    public String libvirtFunction() {
        return "0x" + function;
    }

    /** Whether {@code text} has the form of a PCI address (sysfs directory names are checked this way). */
    public static boolean looksLike(String text) {
        return text != null && BDF.matcher(text.strip()).matches();
    }

    /** The 16-bit routing ID (bus << 8 | devfn) that SR-IOV's First VF Offset and VF Stride are added to. */
    public int routingId() {
        return bus << 8 | slot << 3 | function;
    }

    public static PciAddress fromRoutingId(int domain, int routingId) {
        return new PciAddress(domain, (routingId >> 8) & 0xFF, (routingId >> 3) & 0x1F, routingId & 7);
    }

    @Override
    public int compareTo(PciAddress o) {
        return Long.compare(((long) domain << 16) | routingId(), ((long) o.domain << 16) | o.routingId());
    }

    @Override
    public String toString() {
        return String.format("%04x:%02x:%02x.%x", domain, bus, slot, function);
    }
}
