package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.libvirt.LibvirtConnector;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import io.virtwire.provisioner.libvirt.xml.DomainXml;
import io.virtwire.provisioner.nic.InterfaceService;
import io.virtwire.provisioner.nic.NicChange;
import io.virtwire.provisioner.nic.NicRequest;
import io.virtwire.provisioner.nic.NicType;
import jakarta.inject.Inject;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "attach-interface", mixinStandardHelpOptions = true,
        description = "Attach a fast NIC (SR-IOV VF, vDPA device or vhost-user socket) to a domain or a domain XML file.")
public final class AttachInterfaceCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "DOMAIN", description = "domain name (omit with --domain-xml)")
    String domain;

    @Option(names = "--type", required = true, paramLabel = "TYPE", description = "${COMPLETION-CANDIDATES}")
    NicType type;

    @Option(names = "--vf", paramLabel = "PCI", description = "hostdev: the VF's PCI address, e.g. 0000:07:10.1")
    String vf;

    @Option(names = "--dev", paramLabel = "DEV", description = "vdpa: the vhost-vdpa device, e.g. /dev/vhost-vdpa-0")
    String dev;

    @Option(names = "--source", paramLabel = "PATH", description = "vhostuser: the UNIX socket path (absolute)")
    String source;

    @Option(names = "--mode", paramLabel = "MODE",
            description = "vhostuser: QEMU's role on the socket: client (default; the backend listens, QEMU reconnects) or server")
    String mode;

    @Option(names = "--queues", paramLabel = "N", description = "vdpa/vhostuser: queue pairs, 1-256")
    String queues;

    @Option(names = "--mac", paramLabel = "MAC", description = "MAC address (default: a free 52:54:00:xx:xx:xx)")
    String mac;

    @Option(names = "--vlan", paramLabel = "TAG[,TAG...]", description = "hostdev: one tag (access) or several (trunk), 0-4094")
    String vlan;

    @Option(names = "--fix-memory", description = "vhostuser: add memfd shared memory to the persistent definition if it lacks shared memory")
    boolean fixMemory;

    @Option(names = "--print-xml", description = "print the interface XML instead of attaching it")
    boolean printXml;

    @Mixin
    ScopeOptions scope;

    @Mixin
    DomainXmlFileOptions file;

    private final GlobalOptions globals;
    private final LibvirtConnector connector;
    private final Output output;
    private final InterfaceService service;

    @Inject
    AttachInterfaceCommand(GlobalOptions globals, LibvirtConnector connector, Output output, InterfaceService service) {
        this.globals = globals;
        this.connector = connector;
        this.output = output;
        this.service = service;
    }

    @Override
    public Integer call() {
        file.checkCombination(domain, scope);
        NicRequest request = NicRequest.of(type, vf, dev, source, mode, queues, mac, vlan);
        if (file.given()) {
            DomainXml xml = file.read(domain);
            NicChange change = service.attach(xml, request, fixMemory);
            if (printXml) {
                output.emit(change, out -> Output.printXml(out, change.deviceXml()));
            } else if (file.inPlace) {
                if (change.changed()) {
                    file.write(xml.toXml());
                }
                output.emit(change, out -> NicText.print(out, change));
            } else {
                output.emit(change, out -> Output.printXml(out, xml.toXml()));
            }
            return ExitCode.OK;
        }
        NicChange change;
        try (LibvirtGateway gw = connector.open(globals.connectUri())) {
            change = service.attach(gw, domain, request, scope.scope(), fixMemory, printXml);
        }
        output.emit(change, out -> {
            if (printXml) {
                Output.printXml(out, change.deviceXml());
            } else {
                NicText.print(out, change);
            }
        });
        return ExitCode.OK;
    }
}
