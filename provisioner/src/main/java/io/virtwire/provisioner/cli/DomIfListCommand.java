package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.libvirt.LibvirtConnector;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import io.virtwire.provisioner.nic.InterfaceService;
import io.virtwire.provisioner.nic.InterfaceSummary;
import jakarta.inject.Inject;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "domiflist", mixinStandardHelpOptions = true,
        description = "List a domain's interfaces: type, source (VF address, vDPA device or socket), MAC, model, queues.")
public final class DomIfListCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "DOMAIN", description = "domain name (omit with --domain-xml)")
    String domain;

    @Option(names = "--inactive", description = "list the persistent definition even if the domain runs")
    boolean inactive;

    @Mixin
    DomainXmlFileOptions file;

    private final GlobalOptions globals;
    private final LibvirtConnector connector;
    private final Output output;
    private final InterfaceService service;

    @Inject
    DomIfListCommand(GlobalOptions globals, LibvirtConnector connector, Output output, InterfaceService service) {
        this.globals = globals;
        this.connector = connector;
        this.output = output;
        this.service = service;
    }

    @Override
    public Integer call() {
        file.checkCombination(domain, null);
        InterfaceService.InterfaceList list;
        if (file.given()) {
            list = service.list(file.read(domain));
        } else {
            try (LibvirtGateway gw = connector.open(globals.connectUri())) {
                list = service.list(gw, domain, inactive);
            }
        }
        InterfaceService.InterfaceList result = list;
        output.emit(result, out -> print(out, result));
        return ExitCode.OK;
    }

    static void print(PrintWriter out, InterfaceService.InterfaceList list) {
        TextTable t = new TextTable("Interface", "Type", "Source", "Model", "MAC", "Queues");
        for (InterfaceSummary i : list.interfaces()) {
            t.row(i.target(), i.type(), i.mode() == null ? i.source() : i.source() + " (" + i.mode() + ")", i.model(), i.mac(), i.queues());
        }
        t.print(out);
    }
}
