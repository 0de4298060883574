package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.model.PciAddress;
import java.util.Optional;

/**
 * attach-hostdev's and detach-hostdev's option rules, apart from picocli: a PCI address you name, or (attach only)
 * {@code --pf PF} for a free VF that virtwire picks; never both, never neither.
 */
final class HostdevParser {

    /** Exactly one of {@code device} (named) and {@code pf} (virtwire picks a VF) is present. */
    record Attach(String domain, Optional<PciAddress> device, Optional<String> pf) {
    }

    private HostdevParser() {
    }

    static Attach attach(String domain, String pci, String pf) {
        requireDomain(domain, "attach-hostdev");
        if (pci != null && pf != null) {
            throw VirtwireException.invalid("give the PCI address or --pf, not both: PCI passes that device through, --pf PF lets"
                    + " virtwire pick a free VF of PF");
        }
        if (pci == null && pf == null) {
            throw VirtwireException.invalid("missing PCI: give the device's PCI address (attach-hostdev DOMAIN 0000:07:10.1), or --pf PF"
                    + " to let virtwire pick a free VF of PF");
        }
        return new Attach(domain, Optional.ofNullable(pci).map(HostdevParser::address), Optional.ofNullable(pf));
    }

    static PciAddress detach(String domain, String pci) {
        requireDomain(domain, "detach-hostdev");
        if (pci == null) {
            throw VirtwireException.invalid("missing PCI: give the PCI address of the hostdev to detach (detach-hostdev DOMAIN 0000:07:10.1;"
                    + " 'virsh dumpxml DOMAIN' lists them under <hostdev>)");
        }
        return address(pci);
    }

    private static void requireDomain(String domain, String command) {
        if (domain == null) {
            throw VirtwireException.invalid("missing DOMAIN: " + command + " DOMAIN PCI");
        }
    }

    /** A full or short (BB:DD.F, domain 0000) PCI address; anything else is refused with the expected form. */
    static PciAddress address(String text) {
        try {
            return PciAddress.parse(text);
        } catch (IllegalArgumentException e) {
            throw VirtwireException.invalid("'" + text + "' is not a PCI address: expected DDDD:BB:DD.F such as 0000:07:10.1"
                    + " (lspci -D lists them; 'virtwire vf list' lists VFs) (" + e.getMessage() + ")");
        }
    }
}
