package io.virtwire.provisioner.host.doctor;

import io.virtwire.provisioner.host.HostInventory;
import java.util.Optional;

/** What a check sees: the inventory and, when given, the purpose the user asked about. */
public record DoctorContext(HostInventory inventory, Optional<Purpose> purpose) {

    /** True when the user asked about this purpose explicitly. */
    public boolean askedFor(Purpose p) {
        return purpose.isPresent() && purpose.get() == p;
    }

    /** DPDK/VPP asked for explicitly: devices on userspace drivers are the intent. */
    public boolean forDpdk() {
        return askedFor(Purpose.dpdk);
    }

    public boolean everything() {
        return purpose.isEmpty();
    }
}
