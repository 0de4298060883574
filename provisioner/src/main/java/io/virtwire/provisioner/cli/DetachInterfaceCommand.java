package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.libvirt.LibvirtGateway;
import io.virtwire.provisioner.libvirt.xml.DomainXml;
import io.virtwire.provisioner.model.MacAddress;
import io.virtwire.provisioner.nic.InterfaceService;
import io.virtwire.provisioner.nic.NicChange;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "detach-interface", mixinStandardHelpOptions = true,
        description = "Detach the interface with the given MAC (and TYPE, if given, as virsh) from a domain or a domain XML file.")
public final class DetachInterfaceCommand extends DeviceCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "DOMAIN", description = "domain name (omit with --domain-xml)")
    String domain;

    @Parameters(index = "1", arity = "0..1", paramLabel = "TYPE",
            description = "as virsh: the interface's type (hostdev, vdpa, vhostuser, network, ...); the NIC with --mac must be of it")
    String typeArgument;

    @Option(names = "--type", paramLabel = "TYPE", description = "the same as the positional TYPE")
    String typeOption;

    @Option(names = "--mac", required = true, paramLabel = "MAC", description = "MAC address of the interface to detach")
    String mac;

    @Mixin
    ScopeOptions scope;

    @Mixin
    DomainXmlFileOptions file;

    private final InterfaceService service;

    @Inject
    DetachInterfaceCommand(Services services, InterfaceService service) {
        super(services);
        this.service = service;
    }

    @Override
    public Integer call() {
        DetachInterfaceParser.Parsed request = DetachInterfaceParser.parse(domain, typeArgument, typeOption, mac, file.given(),
                d -> file.checkCombination(d, scope));
        domain = request.domain();
        Optional<String> type = request.type();
        MacAddress address = request.mac();
        if (file.given()) {
            DomainXml xml = file.read(domain);
            NicChange change = service.detach(xml, address, type);
            if (file.inPlace) {
                file.write(xml.toXml());
                output.emit(change, out -> NicText.print(out, change));
            } else {
                output.emit(change, out -> Output.printXml(out, xml.toXml()));
            }
            return ExitCode.OK;
        }
        NicChange change;
        try (LibvirtGateway gw = connector.open(globals.connectUri())) {
            NicChange detached = service.detach(gw, domain, address, scope.scope(), type);
            change = detached.withAllocation(null, releaseAllocations(gw));
        }
        NicChange shown = change;
        output.emit(shown, out -> NicText.print(out, shown));
        return ExitCode.OK;
    }

    /**
     * Frees at once what virtwire had allocated for the NIC (restoring the VF's settings, removing the forwarder port)
     * instead of waiting for the next command's reconciliation.
     */
    private List<String> releaseAllocations(LibvirtGateway gw) {
        return contexts.reconcileIfRecorded(gw, allocations);
    }
}
