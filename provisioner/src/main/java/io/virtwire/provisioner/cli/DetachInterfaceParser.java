package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.model.MacAddress;
import java.util.Optional;
import java.util.function.Consumer;

/** detach-interface's option rules, apart from picocli: virsh's positional TYPE and the MAC. */
final class DetachInterfaceParser {

    /**
     * @param domain the DOMAIN argument once virsh's positions are sorted out (null with --domain-xml)
     * @param type   the interface type the NIC must have (virsh's TYPE), empty for any
     */
    record Parsed(String domain, Optional<String> type, MacAddress mac) {
    }

    private DetachInterfaceParser() {
    }

    /** {@code checkDomain} sees the DOMAIN argument once the positions are sorted out, before any other rule. */
    static Parsed parse(String domain, String typeArgument, String typeOption, String mac, boolean file, Consumer<String> checkDomain) {
        if (file && typeArgument == null && domain != null && VirshForms.LIBVIRT_TYPES.contains(domain)) {
            // "detach-interface TYPE --mac M --domain-xml FILE": no DOMAIN, so the TYPE landed in DOMAIN's position
            typeArgument = domain;
            domain = null;
        }
        checkDomain.accept(domain);
        Optional<String> type = Optional.ofNullable(VirshForms.detachType(typeArgument, typeOption));
        try {
            return new Parsed(domain, type, MacAddress.parse(mac));
        } catch (IllegalArgumentException e) {
            throw VirtwireException.invalid(e.getMessage());
        }
    }
}
