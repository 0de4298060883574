package io.virtwire.provisioner.allocation;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.host.HostInventory;
import io.virtwire.provisioner.host.VirtualFunction;
import io.virtwire.provisioner.libvirt.DeviceScope;
import io.virtwire.provisioner.libvirt.DomainSnapshot;
import io.virtwire.provisioner.model.MacAddress;
import io.virtwire.provisioner.nic.MacGenerator;
import io.virtwire.provisioner.state.Allocation;
import io.virtwire.provisioner.state.StateStore;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * What one attach read, under the state lock, for its {@link DeviceStep}: the domain (once), who holds what, the
 * record and the host as reconciled.
 *
 * @param scope the scope resolved against {@code domain}'s state
 */
record AttachRun(LifecycleContext ctx, StateStore.Session session, DomainSnapshot domain, DeviceScope scope, HeldDevices held,
                 HostInventory inventory, MacGenerator macs) {

    String domainName() {
        return domain.name();
    }

    /**
     * {@code given} if no NIC on the connection or in the record has it; else a generated MAC that is used nowhere,
     * not even by a VF of this host.
     */
    MacAddress mac(Optional<MacAddress> given) {
        Set<MacAddress> taken = new HashSet<>(held.macs());
        session.record().allocations().stream().map(Allocation::mac).filter(m -> m != null).map(MacAddress::parse).forEach(taken::add);
        if (given.isPresent()) {
            if (taken.contains(given.get())) {
                throw VirtwireException.conflict("MAC " + given.get() + " is already used by a NIC on this connection or in the allocation record:"
                        + " pick another --mac, or omit it to get a generated one");
            }
            return given.get();
        }
        inventory.pfs().stream().flatMap(p -> p.vfs().stream()).map(VirtualFunction::mac)
                .filter(m -> m != null && !m.equals(VirtualFunction.ZERO_MAC)).forEach(m -> taken.add(MacAddress.parse(m)));
        return macs.next(taken);
    }
}
