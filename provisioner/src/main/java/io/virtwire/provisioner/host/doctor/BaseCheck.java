package io.virtwire.provisioner.host.doctor;

import java.util.EnumSet;
import java.util.Set;

/** A check's identity: its stable id and the NIC kinds it matters for. */
abstract class BaseCheck implements Check {

    private final String id;
    private final Set<Purpose> purposes;

    BaseCheck(String id, Purpose first, Purpose... rest) {
        this.id = id;
        this.purposes = Set.copyOf(EnumSet.of(first, rest));
    }

    @Override
    public final String id() {
        return id;
    }

    @Override
    public final Set<Purpose> purposes() {
        return purposes;
    }
}
