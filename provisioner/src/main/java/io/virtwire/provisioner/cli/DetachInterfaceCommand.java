package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.allocation.DetachEnsurer;
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
        description = "Detach the interface with the given MAC (and TYPE, if given, as virsh) from a domain or a domain XML file;"
                + " with --ensure, make sure the NIC described is absent (idempotent).")
public final class DetachInterfaceCommand extends DeviceCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "DOMAIN", description = "domain name (omit with --domain-xml)")
    String domain;

    @Parameters(index = "1", arity = "0..1", paramLabel = "TYPE",
            description = "as virsh: the interface's type (hostdev, vdpa, vhostuser, network, ...); the NIC with --mac must be of it")
    String typeArgument;

    @Option(names = "--type", paramLabel = "TYPE", description = "the same as the positional TYPE")
    String typeOption;

    @Option(names = "--mac", paramLabel = "MAC", description = "MAC address of the interface to detach (required without --ensure)")
    String mac;

    @Option(names = "--ensure", description = "idempotent: the NIC is absent afterwards. Found by --mac, or without it by TYPE and the"
            + " device (--vf, --dev, --source; with --pf the one NIC on a VF of the PF), as attach-interface --ensure finds it; detached"
            + " where the scope has it (a VF virtwire allocated is freed and its settings restored), or {changed: false} when it is"
            + " not there; two NICs that match: a conflict, nothing changes. Answers {changed, diff (the whole domain XML), method}")
    boolean ensure;

    @Option(names = "--print-xml", description = "with --ensure: report what would be detached (diff, notes) and change nothing")
    boolean printXml;

    @Option(names = "--vf", paramLabel = "PCI", description = "with --ensure and TYPE hostdev: the NIC on this VF")
    String vf;

    @Option(names = "--pf", paramLabel = "DEV", description = "with --ensure and TYPE hostdev: the NIC on a VF of this PF (netdev or PCI address)")
    String pf;

    @Option(names = "--pool", paramLabel = "NAME", description = "with --ensure and TYPE hostdev: a NIC from this hostdev network (needs --mac)")
    String pool;

    @Option(names = "--dev", paramLabel = "DEV", description = "with --ensure and TYPE vdpa: the NIC on this vhost-vdpa device")
    String dev;

    @Option(names = "--source", paramLabel = "SOURCE", description = "with --ensure: the NIC on this device, as attach-interface's --source"
            + " (the VF's PCI address, the vhost-vdpa device or the vhost-user socket path)")
    String source;

    @Mixin
    ScopeOptions scope;

    @Mixin
    DomainXmlFileOptions file;

    private final InterfaceService service;
    private final DetachEnsurer ensurer;

    @Inject
    DetachInterfaceCommand(Services services, InterfaceService service, DetachEnsurer ensurer) {
        super(services);
        this.service = service;
        this.ensurer = ensurer;
    }

    @Override
    public Integer call() {
        if (ensure) {
            return ensure();
        }
        if (vf != null || pf != null || pool != null || dev != null || source != null || printXml) {
            throw VirtwireException.invalid("--vf, --pf, --pool, --dev, --source and --print-xml apply to detach-interface --ensure;"
                    + " without it, name the interface with --mac");
        }
        if (mac == null) {
            throw VirtwireException.invalid("detach-interface needs --mac MAC (see 'virtwire domiflist DOMAIN'), or --ensure with TYPE and"
                    + " the device (--vf, --dev, --source or --pf)");
        }
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

    /** --ensure: {@link DetachEnsurer} on the file or the domain; a real detach reconciles the record as a plain one does. */
    private int ensure() {
        boolean device = vf != null || pf != null || pool != null || dev != null || source != null;
        String macText = mac;
        if (macText == null && !device) {
            throw VirtwireException.invalid("detach-interface --ensure needs --mac MAC, or TYPE with the device: --vf, --dev or --source"
                    + " (or, for hostdev, --pf PF: the NIC on a VF of that PF)");
        }
        // the positions, the scope and the MAC (when given) by the plain detach's parser; a placeholder MAC is unused
        DetachInterfaceParser.Parsed parsed = DetachInterfaceParser.parse(domain, typeArgument, typeOption, macText == null ? "00:00:00:00:00:00" : macText,
                file.given(), d -> file.checkCombination(d, scope));
        domain = parsed.domain();
        DetachEnsurer.Target target = target(parsed, device);
        NicChange change;
        if (file.given()) {
            DomainXml xml = file.read(domain);
            change = ensurer.ensure(xml, target);
            if (file.inPlace && change.changed() && !printXml) {
                file.write(xml.toXml());
            }
        } else {
            try (LibvirtGateway gw = connector.open(globals.connectUri())) {
                NicChange ensured = ensurer.ensure(contexts.open(gw), domain, target, scope.scope(), printXml);
                // the VF (or vDPA device, or socket) freed and restored at once, as after a plain detach
                change = ensured.changed() && !printXml ? ensured.withAllocation(null, releaseAllocations(gw)) : ensured;
            }
        }
        NicChange shown = change;
        output.emit(shown, out -> NicText.print(out, shown));
        return ExitCode.OK;
    }

    /** The arguments as attach-interface --ensure reads them: by MAC alone, or TYPE with a device you name or one virtwire picked. */
    private DetachEnsurer.Target target(DetachInterfaceParser.Parsed parsed, boolean device) {
        if (!device) {
            return new DetachEnsurer.Target.ByMac(parsed.mac(), parsed.type());
        }
        if (parsed.type().isEmpty()) {
            throw VirtwireException.invalid("--vf, --pf, --pool, --dev and --source need the interface's TYPE (hostdev, vdpa or vhostuser,"
                    + " positional as virsh or --type)");
        }
        AttachInterfaceParser.Args a = new AttachInterfaceParser.Args();
        a.domain = domain;
        a.typeOption = parsed.type().get();
        a.vf = vf;
        a.pf = pf;
        a.pool = pool;
        a.dev = dev;
        a.source = source;
        a.mac = mac;
        a.file = file.given();
        AttachInterfaceParser.Parsed request = AttachInterfaceParser.parse(a);
        return request.allocation().<DetachEnsurer.Target>map(DetachEnsurer.Target.Allocated::new)
                .orElseGet(() -> new DetachEnsurer.Target.Named(request.named().orElseThrow()));
    }

    /**
     * Frees at once what virtwire had allocated for the NIC (restoring the VF's settings, removing the forwarder port)
     * instead of waiting for the next command's reconciliation.
     */
    private List<String> releaseAllocations(LibvirtGateway gw) {
        return contexts.reconcileIfRecorded(gw, allocations);
    }
}
