package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.allocation.AllocationService;
import io.virtwire.provisioner.allocation.VfRow;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import jakarta.inject.Inject;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "list", mixinStandardHelpOptions = true,
        description = "Every VF with its MAC/VLAN/trust/spoofchk and the domain that holds it (reconciles the allocation record first,"
                + " unless --no-reconcile).")
public final class VfListCommand extends DeviceCommand implements Runnable {

    @Option(names = "--pf", paramLabel = "DEV", description = "only this PF's VFs (netdev or PCI address)")
    String pf;

    @Option(names = "--no-reconcile", description = "change nothing: report what reconciling the allocation record with libvirt would do"
            + " (\"reconcile\": {\"applied\": false, \"wouldChange\": [...]}) instead of doing it; writes no file, restores no VF"
            + " setting, removes no forwarder port (Ansible's check mode and vmnet_info use it)")
    boolean noReconcile;


    @Inject
    VfListCommand(Services services) {
        super(services);
    }

    @Override
    public void run() {
        AllocationService.VfList list;
        try (LibvirtGateway gw = connector.open(globals.connectUri())) {
            list = allocations.listVfs(contexts.open(gw), Optional.ofNullable(pf), !noReconcile);
        }
        // stderr in both output modes: JSON carries them in "warnings", and a person sees them either way
        list.warnings().forEach(w -> output.err().println("virtwire: warning: " + w));
        output.err().flush();
        output.emit(list, out -> {
            list.reconciled().forEach(c -> out.println("reconciled: " + c));
            list.reconcile().wouldChange().forEach(c -> out.println("would reconcile: " + c));
            TextTable t = new TextTable("PF", "VF", "PCI", "Driver", "MAC", "VLAN", "Trust", "Spoofchk", "Group", "State", "Domain");
            for (VfRow r : list.vfs()) {
                t.row(r.pfNetdev() == null ? r.pf() : r.pfNetdev(), r.index(), r.address(), r.driver(), r.mac(), r.vlan(), onOff(r.trust()),
                        onOff(r.spoofchk()), r.iommuGroup(), r.reservedFor() == null ? r.state() : r.state() + " (" + r.reservedFor() + ")", r.domain());
            }
            t.print(out);
        });
    }

    private static String onOff(Boolean b) {
        return b == null ? null : b ? "on" : "off";
    }
}
