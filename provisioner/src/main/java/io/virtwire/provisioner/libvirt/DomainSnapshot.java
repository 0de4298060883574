package io.virtwire.provisioner.libvirt;

import java.util.Objects;

/**
 * One domain as libvirt showed it at one moment: its state, its persistent definition and (when it runs) its live
 * XML. An attach reads this once and hands it on, so the allocation check (who holds what) and the attach itself
 * look at the same XML and the scope is resolved against the same state.
 *
 * @param liveXml null when the domain does not run
 */
public record DomainSnapshot(DomainState state, String configXml, String liveXml) {

    public DomainSnapshot {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(configXml, "configXml");
        if (state.active() != (liveXml != null)) {
            throw new IllegalArgumentException("a running domain has live XML, a stopped one none (" + state.name() + ")");
        }
    }

    /** Reads state and XML; NOT_FOUND (from the gateway) names a domain that does not exist. */
    public static DomainSnapshot read(LibvirtGateway gw, String name) {
        DomainState state = gw.domain(name);
        String config = gw.domainXml(name, true);
        return new DomainSnapshot(state, config, state.active() ? gw.domainXml(name, false) : null);
    }

    public String name() {
        return state.name();
    }
}
