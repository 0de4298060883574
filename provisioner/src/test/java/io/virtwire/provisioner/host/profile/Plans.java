package io.virtwire.provisioner.host.profile;

import io.virtwire.provisioner.host.HostInventory;
import io.virtwire.provisioner.host.HostInventoryReader;
import io.virtwire.provisioner.host.sim.SimulatedKernel;

/** What {@code virtwire host plan} does, against a simulated host: the host tests' one way to read and to plan. */
public final class Plans {

    private Plans() {
    }

    /** The host as the reader sees it now (sysfs under the kernel's root, its commands answered by the kernel). */
    public static HostInventory inventory(SimulatedKernel k) {
        return new HostInventoryReader(k.paths(), k).read();
    }

    /** The plan for the host profile {@code yaml} (parsed as host.yaml) on that host. */
    public static Plan plan(SimulatedKernel k, String yaml) {
        return new Planner().plan(new HostProfileParser().parse("host.yaml", yaml), inventory(k));
    }
}
