package io.virtwire.provisioner.allocation;

import io.virtwire.provisioner.libvirt.xml.VhostUserInterface;
import io.virtwire.provisioner.model.MacAddress;
import io.virtwire.provisioner.model.QueueCount;
import java.util.Optional;

/** A NIC for which virtwire picks the device. Values are validated by the CLI before anything is read. */
public sealed interface AllocationRequest {

    Optional<MacAddress> mac();

    /**
     * A free VF of a PF ({@code --pf}: netdev or PCI address) or of a libvirt hostdev network ({@code --pool}).
     *
     * @param vlan     access VLAN the PF tags the VF's traffic with; empty = untagged
     * @param trust    empty = leave as the VF has it
     * @param spoofchk empty = leave as the VF has it
     */
    record Vf(Optional<String> pf, Optional<String> pool, Optional<MacAddress> mac, Optional<Integer> vlan, Optional<Boolean> trust,
              Optional<Boolean> spoofchk) implements AllocationRequest {
    }

    /** A free /dev/vhost-vdpa-N, optionally on one parent (PF netdev or PCI address, or the vdpa device's own parent). */
    record Vdpa(Optional<String> parent, Optional<MacAddress> mac, Optional<QueueCount> queues) implements AllocationRequest {
    }

    /**
     * A new socket under virtwire's socket directory, registered with the forwarder. {@code fixMemory}: add memfd shared
     * memory to the persistent definition when it lacks it (attach-interface --fix-memory).
     */
    record VhostUser(VhostUserInterface.Mode mode, Optional<MacAddress> mac, Optional<QueueCount> queues, boolean fixMemory)
            implements AllocationRequest {

        public VhostUser(VhostUserInterface.Mode mode, Optional<MacAddress> mac, Optional<QueueCount> queues) {
            this(mode, mac, queues, false);
        }
    }
}
