package io.virtwire.provisioner.libvirt.xml;

import java.util.Objects;
import java.util.Optional;

/**
 * Finds the live interface that corresponds to a wanted one, like Nova's
 * {@code LibvirtConfigGuestInterface.__eq__}: same type, same MAC (when the wanted one names one) and same
 * source (VF address, vDPA device, socket path, network, or the source attributes of other types). What libvirt
 * adds or rewrites on its own (target dev, alias, guest address, driver details) is ignored.
 */
public final class InterfaceMatcher {

    private final GuestInterface wanted;

    private InterfaceMatcher(GuestInterface wanted) {
        this.wanted = Objects.requireNonNull(wanted, "wanted");
    }

    public static InterfaceMatcher like(GuestInterface wanted) {
        return new InterfaceMatcher(wanted);
    }

    public boolean matches(GuestInterface candidate) {
        if (wanted instanceof NetworkInterface && candidate instanceof HostdevInterface && wanted.mac().isPresent()) {
            // a running guest may show a pool interface as the VF libvirt picked from the pool (type='hostdev');
            // the VF is not known in advance, so the MAC (unique within a domain) decides
            return wanted.mac().equals(candidate.mac());
        }
        if (!wanted.type().equals(candidate.type())) {
            return false;
        }
        if (wanted.mac().isPresent() && !wanted.mac().equals(candidate.mac())) {
            return false;
        }
        if (wanted instanceof OtherInterface w && candidate instanceof OtherInterface c) {
            // libvirt adds source attributes to live XML (portid, bridge of a network): the wanted ones must agree
            return c.sourceAttributes().entrySet().containsAll(w.sourceAttributes().entrySet());
        }
        return source(wanted).equals(source(candidate));
    }

    private static Optional<Object> source(GuestInterface i) {
        return switch (i) {
            case HostdevInterface h -> Optional.of(h.vf());
            case VdpaInterface v -> Optional.ofNullable(v.device());
            case VhostUserInterface u -> Optional.of(u.socketPath());
            case NetworkInterface n -> Optional.ofNullable(n.network());
            case OtherInterface o -> Optional.of(o.sourceAttributes());
        };
    }
}
