package io.virtwire.provisioner.host;

/** The bus numbers behind a bridge, [secondary-subordinate]; the kernel prints it as "[bus 01]" or "[bus 01-02]". */
public record BusRange(int secondary, int subordinate) {

    public boolean contains(int bus) {
        return bus >= secondary && bus <= subordinate;
    }

    /** The kernel's %pR form for a bus resource. */
    public String kernelForm() {
        return secondary == subordinate ? String.format("[bus %02x]", secondary) : String.format("[bus %02x-%02x]", secondary, subordinate);
    }
}
