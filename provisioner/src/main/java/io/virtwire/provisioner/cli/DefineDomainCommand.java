package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.domain.DomainDefinitionService;
import io.virtwire.provisioner.domain.MemorySize;
import io.virtwire.provisioner.domain.VirtTypeDetector;
import io.virtwire.provisioner.libvirt.LibvirtConnector;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import io.virtwire.templates.DomainParameters;
import io.virtwire.templates.DomainTemplate;
import jakarta.inject.Inject;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "define-domain", mixinStandardHelpOptions = true,
        description = "Define a domain from a bundled template (one per NIC kind).")
public final class DefineDomainCommand implements Callable<Integer> {

    @Option(names = "--template", required = true, paramLabel = "NAME",
            description = "vhostuser-memfd, vhostuser-hugepages, hostdev-q35 or vdpa")
    String template;

    @Option(names = "--name", required = true, paramLabel = "NAME", description = "domain name")
    String name;

    @Option(names = "--memory", defaultValue = "1GiB", paramLabel = "SIZE", description = "guest RAM, e.g. 512MiB, 1GiB (default: ${DEFAULT-VALUE})")
    String memory;

    @Option(names = "--vcpus", defaultValue = "2", paramLabel = "N", description = "virtual CPUs (default: ${DEFAULT-VALUE})")
    int vcpus;

    @Option(names = "--kernel", paramLabel = "PATH", description = "direct kernel boot: kernel image")
    String kernel;

    @Option(names = "--initrd", paramLabel = "PATH", description = "direct kernel boot: initramfs")
    String initrd;

    @Option(names = "--cmdline", paramLabel = "ARGS", description = "direct kernel boot: kernel command line")
    String cmdline;

    @Option(names = "--disk", paramLabel = "PATH", description = "boot from this disk image (qcow2 by extension, else raw)")
    String disk;

    @Option(names = "--virt-type", paramLabel = "TYPE", description = "kvm or qemu (TCG); default: kvm where it can boot guests, else qemu")
    String virtType;

    @Option(names = "--serial-log", paramLabel = "PATH", description = "write the serial console to this file instead of a pty")
    String serialLog;

    @Option(names = "--print-xml", description = "print the domain XML instead of defining it")
    boolean printXml;

    private final GlobalOptions globals;
    private final LibvirtConnector connector;
    private final Output output;

    @Inject
    DefineDomainCommand(GlobalOptions globals, LibvirtConnector connector, Output output) {
        this.globals = globals;
        this.connector = connector;
        this.output = output;
    }

    @Override
    public Integer call() {
        DomainTemplate t = DomainDefinitionService.template(template);
        String type = virtType;
        String typeReason = "given with --virt-type";
        if (type == null) {
            VirtTypeDetector.Choice c = new VirtTypeDetector(globals.hostRoot()).detect();
            type = c.virtType();
            typeReason = c.reason();
        }
        DomainParameters p = DomainDefinitionService.parameters(name, MemorySize.parse(memory), vcpus, type, boot(), Optional.ofNullable(serialLog));
        DomainDefinitionService service = new DomainDefinitionService();
        String xml = service.render(t, p);
        if (printXml) {
            output.emit(new Result(name, t.id(), type, false, xml), out -> Output.printXml(out, xml));
            return ExitCode.OK;
        }
        try (LibvirtGateway gw = connector.open(globals.connectUri())) {
            service.define(gw, xml, name);
        }
        String reason = typeReason;
        String virt = type;
        output.emit(new Result(name, t.id(), type, true, xml), out -> {
            out.println("Domain '" + name + "' defined from template " + t.id() + " (" + virt + ": " + reason + ")");
        });
        return ExitCode.OK;
    }

    private DomainParameters.Boot boot() {
        if (disk != null && kernel != null) {
            throw VirtwireException.invalid("--disk and --kernel exclude each other: boot from a disk image or a kernel, not both");
        }
        if (kernel == null && (initrd != null || cmdline != null)) {
            throw VirtwireException.invalid("--initrd and --cmdline need --kernel (direct kernel boot)");
        }
        if (kernel != null) {
            return new DomainParameters.Boot.Kernel(kernel, Optional.ofNullable(initrd), Optional.ofNullable(cmdline));
        }
        if (disk != null) {
            return new DomainParameters.Boot.Disk(disk);
        }
        return new DomainParameters.Boot.None();
    }

    /** JSON shape of define-domain. */
    public record Result(String name, String template, String virtType, boolean defined, String xml) {
    }
}
