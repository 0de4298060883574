package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.libvirt.LibvirtGateway;
import io.virtwire.provisioner.model.PciAddress;
import io.virtwire.provisioner.nic.HostdevChange;
import io.virtwire.provisioner.nic.HostdevService;
import jakarta.inject.Inject;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "detach-hostdev", mixinStandardHelpOptions = true,
        description = "Detach the PCI <hostdev> with the given address from a domain (virsh: detach-device with its XML);"
                + " a VF virtwire allocated is released in the record.")
public final class DetachHostdevCommand extends DeviceCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "DOMAIN", description = "domain name")
    String domain;

    @Parameters(index = "1", arity = "0..1", paramLabel = "PCI", description = "the device's PCI address, e.g. 0000:07:10.1")
    String pci;

    @Mixin
    ScopeOptions scope;

    private final HostdevService service;

    @Inject
    DetachHostdevCommand(Services services, HostdevService service) {
        super(services);
        this.service = service;
    }

    @Override
    public Integer call() {
        PciAddress device = HostdevParser.detach(domain, pci);
        HostdevChange change;
        try (LibvirtGateway gw = connector.open(globals.connectUri())) {
            // releases at once what virtwire had allocated for it instead of waiting for the next command's reconciliation
            change = service.detach(gw, domain, device, scope.scope()).withAllocation(null, contexts.reconcileIfRecorded(gw, allocations));
        }
        output.emit(change, out -> HostdevText.print(out, change));
        return ExitCode.OK;
    }
}
