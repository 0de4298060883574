package io.virtwire.provisioner.host;

import io.virtwire.provisioner.VirtwireException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A PCI function address, domain:bus:device.function, as sysfs names it ("0000:01:00.0"). */
public record PciAddress(int domain, int bus, int device, int function) implements Comparable<PciAddress> {

    private static final Pattern FORMAT = Pattern.compile("(?:([0-9a-fA-F]{4}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\\.([0-7])");

    public PciAddress {
        if (domain < 0 || domain > 0xFFFF || bus < 0 || bus > 0xFF || device < 0 || device > 0x1F || function < 0 || function > 7) {
            throw new IllegalArgumentException("PCI address out of range: " + domain + ":" + bus + ":" + device + "." + function);
        }
    }

    /** Accepts "0000:01:00.0" and the short lspci form "01:00.0" (domain 0). */
    public static PciAddress parse(String text) {
        Matcher m = FORMAT.matcher(text == null ? "" : text.strip());
        if (!m.matches()) {
            throw VirtwireException.invalid("'" + text + "' is not a PCI address; expected DDDD:BB:DD.F such as 0000:01:00.0");
        }
        return new PciAddress(m.group(1) == null ? 0 : Integer.parseInt(m.group(1), 16), Integer.parseInt(m.group(2), 16),
                Integer.parseInt(m.group(3), 16), Integer.parseInt(m.group(4)));
    }

    public static boolean looksLike(String text) {
        return text != null && FORMAT.matcher(text.strip()).matches();
    }

    /** The 16-bit routing ID (bus << 8 | devfn) that SR-IOV's First VF Offset and VF Stride are added to. */
    public int routingId() {
        return bus << 8 | device << 3 | function;
    }

    public static PciAddress fromRoutingId(int domain, int routingId) {
        return new PciAddress(domain, (routingId >> 8) & 0xFF, (routingId >> 3) & 0x1F, routingId & 7);
    }

    @Override
    public String toString() {
        return String.format("%04x:%02x:%02x.%d", domain, bus, device, function);
    }

    @Override
    public int compareTo(PciAddress o) {
        return Long.compare(((long) domain << 16) | routingId(), ((long) o.domain << 16) | o.routingId());
    }
}
