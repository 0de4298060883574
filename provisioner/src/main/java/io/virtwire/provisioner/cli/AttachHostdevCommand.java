package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.allocation.AllocationService;
import io.virtwire.provisioner.allocation.HeldDevices;
import io.virtwire.provisioner.allocation.LifecycleContext;
import io.virtwire.provisioner.libvirt.DomainSnapshot;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import io.virtwire.provisioner.model.PciAddress;
import io.virtwire.provisioner.nic.HostdevChange;
import io.virtwire.provisioner.nic.HostdevService;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "attach-hostdev", mixinStandardHelpOptions = true,
        description = {"Pass a PCI device through as <hostdev mode='subsystem' type='pci' managed='yes'> (virsh: attach-device with that XML):"
                + " a device you name by PCI address, or a free VF of --pf PF that virtwire picks and records.",
                "Unlike attach-interface --type hostdev, libvirt sets no MAC or VLAN: the guest's VF driver chooses its MAC."})
public final class AttachHostdevCommand extends DeviceCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "DOMAIN", description = "domain name")
    String domain;

    @Parameters(index = "1", arity = "0..1", paramLabel = "PCI", description = "the device's PCI address, e.g. 0000:07:10.1 (or --pf)")
    String pci;

    @Option(names = "--pf", paramLabel = "PF", description = "pick a free VF of this PF (netdev or PCI address) and record it, as attach-interface --pf")
    String pf;

    @Option(names = "--print-xml", description = "print the <hostdev> XML instead of attaching it")
    boolean printXml;

    @Mixin
    ScopeOptions scope;

    private final HostdevService service;

    @Inject
    AttachHostdevCommand(Services services, HostdevService service) {
        super(services);
        this.service = service;
    }

    @Override
    public Integer call() {
        HostdevParser.Attach request = HostdevParser.attach(domain, pci, pf);
        HostdevChange change;
        try (LibvirtGateway gw = connector.open(globals.connectUri())) {
            LifecycleContext ctx = contexts.open(gw);
            if (request.pf().isPresent()) {
                change = allocations.attachHostdev(ctx, domain, request.pf().get(), scope.scope(), printXml);
            } else {
                PciAddress device = request.device().orElseThrow();
                requireOnHost(ctx, device);
                refuseReservedForVms(device.toString());
                // one read of the domain serves the held-device check and the attach
                DomainSnapshot snapshot = DomainSnapshot.read(gw, domain);
                refuseHeldElsewhere(HeldDevices.scan(gw, snapshot), device);
                HostdevChange attached = service.attach(gw, snapshot, device, scope.scope(), printXml);
                change = attached.changed() ? attached.withAllocation(null, contexts.reconcileIfRecorded(gw, allocations)) : attached;
            }
        }
        change.notes().stream().filter(n -> n.startsWith(AllocationService.WARNING)).forEach(n -> output.err().println("virtwire: " + n));
        output.err().flush();
        HostdevChange shown = change;
        output.emit(shown, out -> {
            if (printXml) {
                Output.printXml(out, shown.deviceXml());
            } else {
                HostdevText.print(out, shown);
            }
        });
        return ExitCode.OK;
    }

    /** libvirt would refuse an unknown address only when the domain starts (for --config): say so now. */
    private static void requireOnHost(LifecycleContext ctx, PciAddress device) {
        if (!Files.isDirectory(ctx.host().paths().pciDevice(device))) {
            throw VirtwireException.notFound("no PCI device " + device + " on this host (" + ctx.host().paths().display(ctx.host().paths()
                    .pciDevice(device)) + " is missing): check the address with 'lspci -D' or 'virtwire vf list'");
        }
    }

    /** A PCI function can serve one guest: one that another domain holds (in its persistent or live XML) is refused. */
    private void refuseHeldElsewhere(HeldDevices held, PciAddress device) {
        held.holder(device.toString()).filter(h -> !h.domain().equals(domain)).ifPresent(h -> {
            throw VirtwireException.conflict("PCI device " + device + " is held by domain '" + h.domain() + "': detach it there first"
                    + " (virtwire detach-hostdev " + h.domain() + " " + device + (h.mac() == null ? "" : ", or detach-interface "
                    + h.domain() + " --mac " + h.mac() + " for a hostdev interface") + "), or let virtwire pick a free VF with --pf PF");
        });
    }
}
