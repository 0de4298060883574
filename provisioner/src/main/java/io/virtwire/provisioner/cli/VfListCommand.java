package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.allocation.AllocationService;
import io.virtwire.provisioner.allocation.VfRow;
import io.virtwire.provisioner.libvirt.LibvirtConnector;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import jakarta.inject.Inject;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "list", mixinStandardHelpOptions = true,
        description = "Every VF with its MAC/VLAN/trust/spoofchk and the domain that holds it (reconciles the allocation record first).")
public final class VfListCommand implements Runnable {

    @Option(names = "--pf", paramLabel = "DEV", description = "only this PF's VFs (netdev or PCI address)")
    String pf;

    private final GlobalOptions globals;
    private final LibvirtConnector connector;
    private final Output output;
    private final AllocationService allocations;
    private final LifecycleContexts contexts;

    @Inject
    VfListCommand(GlobalOptions globals, LibvirtConnector connector, Output output, AllocationService allocations, LifecycleContexts contexts) {
        this.globals = globals;
        this.connector = connector;
        this.output = output;
        this.allocations = allocations;
        this.contexts = contexts;
    }

    @Override
    public void run() {
        AllocationService.VfList list;
        try (LibvirtGateway gw = connector.open(globals.connectUri())) {
            list = allocations.listVfs(contexts.open(gw), Optional.ofNullable(pf));
        }
        // stderr in both output modes: JSON carries them in "warnings", and a person sees them either way
        list.warnings().forEach(w -> output.err().println("virtwire: warning: " + w));
        output.err().flush();
        output.emit(list, out -> {
            list.reconciled().forEach(c -> out.println("reconciled: " + c));
            TextTable t = new TextTable("PF", "VF", "PCI", "Driver", "MAC", "VLAN", "Trust", "Spoofchk", "Group", "State", "Domain");
            for (VfRow r : list.vfs()) {
                t.row(r.pfNetdev() == null ? r.pf() : r.pfNetdev(), r.index(), r.address(), r.driver(), r.mac(), r.vlan(), onOff(r.trust()),
                        onOff(r.spoofchk()), r.iommuGroup(), r.reservedFor() == null ? r.state() : r.state() + " (" + r.reservedFor() + ")",
                        r.containerId() == null ? r.domain() : "container:" + r.containerId() + " " + r.ifname() + "@" + r.netns());
            }
            t.print(out);
        });
    }

    private static String onOff(Boolean b) {
        return b == null ? null : b ? "on" : "off";
    }
}
