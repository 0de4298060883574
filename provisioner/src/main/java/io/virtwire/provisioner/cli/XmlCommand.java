package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.libvirt.xml.HostdevNetwork;
import io.virtwire.provisioner.model.PciAddress;
import jakarta.inject.Inject;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "xml", mixinStandardHelpOptions = true, description = "Print libvirt XML for virtwire's objects.",
        subcommands = XmlCommand.Network.class)
public final class XmlCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing subcommand: try 'virtwire xml network --help'");
    }

    @Command(name = "network", mixinStandardHelpOptions = true,
            description = "Print a hostdev pool network: VFs of a PF (--pf) or an explicit list (--vf ...), handed out by libvirt.")
    public static final class Network implements Callable<Integer> {

        @Option(names = "--name", required = true, paramLabel = "NAME", description = "network name")
        String name;

        @Option(names = "--pf", paramLabel = "DEV", description = "the PF's netdev name, e.g. ens2f0")
        String pf;

        @Option(names = "--vf", paramLabel = "PCI", description = "a VF's PCI address (repeat for several)")
        List<String> vfs;

        private final Output output;

        @Inject
        Network(Output output) {
            this.output = output;
        }

        @Override
        public Integer call() {
            if ((pf == null) == (vfs == null || vfs.isEmpty())) {
                throw VirtwireException.invalid("give either --pf DEV (all VFs of that PF) or one or more --vf PCI, not both or neither");
            }
            HostdevNetwork net;
            try {
                net = pf != null ? HostdevNetwork.ofPf(name, pf) : HostdevNetwork.ofVfs(name, vfs.stream().map(PciAddress::parse).toList());
            } catch (IllegalArgumentException e) {
                throw VirtwireException.invalid(e.getMessage());
            }
            String xml = net.toXml();
            output.emit(new Result(name, net.pfs(), net.vfs().stream().map(PciAddress::toString).toList(), xml), out -> Output.printXml(out, xml));
            return ExitCode.OK;
        }

        public record Result(String name, List<String> pfs, List<String> vfs, String xml) {
        }
    }
}
