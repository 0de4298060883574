package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.allocation.AllocatedEnsurer;
import io.virtwire.provisioner.allocation.AllocationService;
import io.virtwire.provisioner.allocation.HeldDevices;
import io.virtwire.provisioner.forwarder.ForwarderClient;
import io.virtwire.provisioner.libvirt.DomainSnapshot;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import io.virtwire.provisioner.libvirt.xml.DomainXml;
import io.virtwire.provisioner.model.QueueCount;
import io.virtwire.provisioner.nic.InterfaceService;
import io.virtwire.provisioner.nic.NicChange;
import io.virtwire.provisioner.nic.NicRequest;
import jakarta.inject.Inject;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "attach-interface", mixinStandardHelpOptions = true,
        description = "Attach a fast NIC (SR-IOV VF, vDPA device or vhost-user socket) to a domain or a domain XML file.")
public final class AttachInterfaceCommand extends DeviceCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "DOMAIN", description = "domain name (omit with --domain-xml)")
    String domain;

    @Parameters(index = "1", arity = "0..1", paramLabel = "TYPE",
            description = "virsh's positional form of --type: hostdev, vdpa or vhostuser")
    String typeArgument;

    @Parameters(index = "2", arity = "0..1", paramLabel = "SOURCE",
            description = "virsh's positional form of --source: the VF's PCI address (hostdev), /dev/vhost-vdpa-N (vdpa) or the socket path (vhostuser)")
    String sourceArgument;

    @Option(names = "--type", paramLabel = "TYPE", description = "hostdev, vdpa or vhostuser (or give it positionally, as virsh)")
    String typeOption;

    @Option(names = "--vf", paramLabel = "PCI", description = "hostdev: the VF's PCI address, e.g. 0000:07:10.1")
    String vf;

    @Option(names = "--pf", paramLabel = "DEV",
            description = "hostdev: pick a free VF of this PF (netdev or PCI address), configure it and record it")
    String pf;

    @Option(names = "--pool", paramLabel = "NAME",
            description = "hostdev: pick a free VF of this libvirt hostdev network (its <pf>/<address> list)")
    String pool;

    @Option(names = "--trust", paramLabel = "on|off", description = "hostdev with --pf/--pool: the VF's trust setting")
    String trust;

    @Option(names = "--spoofchk", paramLabel = "on|off", description = "hostdev with --pf/--pool: the VF's MAC spoof check")
    String spoofchk;

    @Option(names = "--parent", paramLabel = "PF",
            description = "vdpa without --dev: pick a free /dev/vhost-vdpa-N on this parent (PF netdev or PCI address)")
    String parent;

    @Option(names = "--dev", paramLabel = "DEV", description = "vdpa: the vhost-vdpa device, e.g. /dev/vhost-vdpa-0 (omit to get a free one)")
    String dev;

    @Option(names = "--source", paramLabel = "SOURCE", description = "as virsh: the VF's PCI address (hostdev, same as --vf),"
            + " the vhost-vdpa device (vdpa, same as --dev) or the UNIX socket path (vhostuser: absolute; omit to get one under"
            + " /run/virtwire, registered with the forwarder)")
    String source;

    @Option(names = "--model", paramLabel = "MODEL", description = "the guest NIC model, <model type='MODEL'/> (vdpa and vhostuser default to virtio)")
    String model;

    @Option(names = "--target", paramLabel = "DEV", description = "<target dev='DEV'/>: the host-side interface name")
    String target;

    @Option(names = "--alias", paramLabel = "ua-NAME", description = "<alias name='ua-NAME'/>: a user alias (must start with ua-)")
    String alias;

    @Option(names = "--managed", negatable = true, description = "hostdev: managed='yes', libvirt binds the VF to vfio-pci (virtwire's default;"
            + " --no-managed leaves it out: the VF must already be bound to vfio-pci)")
    Boolean managed;

    @Option(names = {"--mode", "--source-mode"}, paramLabel = "MODE",
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

    @Option(names = "--print-xml", description = "print the interface XML instead of attaching it (with --ensure: report what would change)")
    boolean printXml;

    @Option(names = "--ensure", description = "idempotent: attach the NIC if missing, leave an identical one alone, converge one with another"
            + " VLAN/queues/mode/model (and, for a VF virtwire picked with --pf/--pool, another MAC/VLAN/trust/spoofchk on the VF, through"
            + " the PF); answers {changed, diff (the whole domain XML), notes (the drift), method: attach|file|pf|update-device|redefine|reattach}")
    boolean ensure;

    private final io.virtwire.provisioner.nic.InterfaceEnsurer ensurer = new io.virtwire.provisioner.nic.InterfaceEnsurer();

    @Mixin
    ScopeOptions scope;

    @Mixin
    DomainXmlFileOptions file;

    private final InterfaceService service;
    private final ForwarderClient forwarder;

    @Inject
    AttachInterfaceCommand(Services services, InterfaceService service, ForwarderClient forwarder) {
        super(services);
        this.service = service;
        this.forwarder = forwarder;
    }

    @Override
    public Integer call() {
        AttachInterfaceParser.Parsed request = AttachInterfaceParser.parse(args(), d -> file.checkCombination(d, scope));
        domain = request.domain();
        if (request.allocation().isPresent()) {
            if (ensure) {
                return ensureAllocated(request.allocation().get());
            }
            NicChange change;
            try (LibvirtGateway gw = connector.open(globals.connectUri())) {
                change = allocations.attach(contexts.open(gw), domain, request.allocation().get(), scope.scope(), printXml);
            }
            // the NIC is attached but something after it failed (the record's last save): exit 0, and say so on stderr too
            change.notes().stream().filter(n -> n.startsWith(AllocationService.WARNING)).forEach(n -> output.err().println("virtwire: " + n));
            output.err().flush();
            output.emit(change, out -> {
                if (printXml) {
                    Output.printXml(out, change.deviceXml());
                } else {
                    NicText.print(out, change);
                }
            });
            return ExitCode.OK;
        }
        NicRequest named = request.named().orElseThrow();
        if (ensure) {
            return ensure(named);
        }
        if (file.given()) {
            DomainXml xml = file.read(domain);
            NicChange change = service.attach(xml, named, fixMemory);
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
        refuseQueueMismatch(named);
        try (LibvirtGateway gw = connector.open(globals.connectUri())) {
            // one read of the domain serves the held-device check and the attach
            DomainSnapshot snapshot = DomainSnapshot.read(gw, domain);
            refuseHeldElsewhere(HeldDevices.scan(gw, snapshot), named);
            refuseReserved(named);
            NicChange attached = service.attach(gw, snapshot, named, scope.scope(), fixMemory, printXml);
            change = attached.changed() ? attached.withAllocation(null, contexts.reconcileIfRecorded(gw, allocations)) : attached;
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

    /** --ensure: {@link io.virtwire.provisioner.nic.InterfaceEnsurer} on the file or the domain, with the same checks as an attach. */
    private int ensure(NicRequest request) {
        NicChange change;
        if (file.given()) {
            DomainXml xml = file.read(domain);
            change = ensurer.ensure(xml, request, fixMemory);
            if (file.inPlace && change.changed() && !printXml) {
                file.write(xml.toXml());
            }
        } else {
            refuseQueueMismatch(request);
            try (LibvirtGateway gw = connector.open(globals.connectUri())) {
                refuseHeldElsewhere(HeldDevices.scan(gw, DomainSnapshot.read(gw, domain)), request);
                NicChange ensured = ensurer.ensure(gw, domain, request, scope.scope(), fixMemory, printXml);
                change = ensured.changed() && !printXml ? ensured.withAllocation(null, contexts.reconcileIfRecorded(gw, allocations)) : ensured;
            }
        }
        NicChange shown = change;
        output.emit(shown, out -> NicText.print(out, shown));
        return ExitCode.OK;
    }

    /**
     * --ensure where virtwire picks the device: {@link AllocatedEnsurer} (found by MAC, or with --pf on any VF of the
     * PF; missing: allocated and attached; present: the VF's settings through the PF, then the NIC as a named device).
     */
    private int ensureAllocated(io.virtwire.provisioner.allocation.AllocationRequest request) {
        if (file.given()) {
            throw VirtwireException.invalid("virtwire allocates devices only for libvirt domains (a domain XML file may be meant for another host):"
                    + " name the device (SOURCE, --vf, --dev or --source) with --domain-xml");
        }
        NicChange change;
        try (LibvirtGateway gw = connector.open(globals.connectUri())) {
            NicChange ensured = new AllocatedEnsurer(allocations, ensurer).ensure(contexts.open(gw), domain, request, scope.scope(), printXml);
            // a converged NIC may have been unplugged and plugged: the record follows libvirt (an attach has reconciled already)
            change = ensured.changed() && !printXml ? ensured.withAllocation(ensured.allocation(), contexts.reconcileIfRecorded(gw, allocations)) : ensured;
        }
        change.notes().stream().filter(n -> n.startsWith(AllocationService.WARNING)).forEach(n -> output.err().println("virtwire: " + n));
        output.err().flush();
        NicChange shown = change;
        output.emit(shown, out -> NicText.print(out, shown));
        return ExitCode.OK;
    }

    /** The options as given, for {@link AttachInterfaceParser}. */
    private AttachInterfaceParser.Args args() {
        AttachInterfaceParser.Args a = new AttachInterfaceParser.Args();
        a.domain = domain;
        a.typeArgument = typeArgument;
        a.sourceArgument = sourceArgument;
        a.typeOption = typeOption;
        a.vf = vf;
        a.pf = pf;
        a.pool = pool;
        a.trust = trust;
        a.spoofchk = spoofchk;
        a.parent = parent;
        a.dev = dev;
        a.source = source;
        a.model = model;
        a.target = target;
        a.alias = alias;
        a.managed = managed;
        a.mode = mode;
        a.queues = queues;
        a.mac = mac;
        a.vlan = vlan;
        a.fixMemory = fixMemory;
        a.file = file.given();
        return a;
    }

    /**
     * A VF or vhost-vdpa device can serve one guest: naming one that another domain holds (in its persistent or live
     * XML) is refused before anything changes, instead of leaving two definitions that cannot both start.
     */
    private void refuseHeldElsewhere(HeldDevices held, NicRequest request) {
        String device = switch (request) {
            case NicRequest.Hostdev h -> h.vf().toString();
            case NicRequest.Vdpa v -> v.device();
            case NicRequest.VhostUser u -> null;
        };
        if (device == null) {
            return;
        }
        held.holder(device).filter(h -> !h.domain().equals(domain)).ifPresent(h -> {
            throw VirtwireException.conflict(device + " is held by domain '" + h.domain() + "': detach it there first"
                    + " (virtwire detach-interface " + h.domain() + " --mac " + h.mac() + "), or let virtwire pick a free one with "
                    + (request instanceof NicRequest.Hostdev ? "--pf DEV" : "--type vdpa without --dev"));
        });
    }

    /** A VF the host profile reserved (reserve: dpdk, on it or its PF) is not for VMs, even when named explicitly. */
    private void refuseReserved(NicRequest request) {
        if (request instanceof NicRequest.Hostdev h) {
            refuseReservedForVms(h.vf().toString());
        }
    }

    /**
     * {@code --source} naming a socket the forwarder already serves: the interface's queue pairs must be the port's,
     * checked before libvirt is asked. A forwarder that does not answer cannot tell; the socket may be another
     * backend's, so that is not an error here (virtwire forwarder port list shows the port's count).
     */
    private void refuseQueueMismatch(NicRequest request) {
        if (request instanceof NicRequest.VhostUser u) {
            int asked = u.queues().map(QueueCount::value).orElse(1);
            try {
                forwarder.refuseQueueMismatch(u.socket().toString(), asked);
            } catch (VirtwireException e) {
                if (e.kind() != VirtwireException.Kind.UNAVAILABLE) {
                    throw e;
                }
            }
        }
    }
}
