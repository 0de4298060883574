package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.allocation.AllocationService;
import io.virtwire.provisioner.libvirt.LibvirtConnector;
import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.host.HostPaths;
import io.virtwire.provisioner.host.KernelState;
import io.virtwire.provisioner.host.Reservations;
import jakarta.inject.Inject;

/**
 * What every command that hands out, takes back or lists devices works with: the libvirt connection, the output, and
 * the allocation record it reconciles. One injected bundle, so that a new device command adds only what is its own.
 */
abstract class DeviceCommand {

    /** The shared collaborators, injected as one. */
    static final class Services {
        final GlobalOptions globals;
        final LibvirtConnector connector;
        final Output output;
        final AllocationService allocations;
        final LifecycleContexts contexts;

        @Inject
        Services(GlobalOptions globals, LibvirtConnector connector, Output output, AllocationService allocations, LifecycleContexts contexts) {
            this.globals = globals;
            this.connector = connector;
            this.output = output;
            this.allocations = allocations;
            this.contexts = contexts;
        }
    }

    final GlobalOptions globals;
    final LibvirtConnector connector;
    final Output output;
    final AllocationService allocations;
    final LifecycleContexts contexts;

    DeviceCommand(Services services) {
        this.globals = services.globals;
        this.connector = services.connector;
        this.output = services.output;
        this.allocations = services.allocations;
        this.contexts = services.contexts;
    }

    /** A device the host profile reserved (reserve: dpdk, on it or its PF) is not for VMs, even when named explicitly. */
    final void refuseReservedForVms(String pciAddress) {
        Reservations.reservedFor(new HostPaths(globals.hostRoot()), pciAddress).ifPresent(owner -> {
            throw VirtwireException.conflict(pciAddress + " is reserved for " + owner + " by the host profile (" + KernelState.RESERVATIONS
                    + "): VMs do not get it; pick another device, let virtwire pick a VF with --pf DEV, or give it back with reserve: none"
                    + " in the profile");
        });
    }
}
