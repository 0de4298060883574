package io.virtwire.provisioner.cli;

import jakarta.inject.Inject;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

@Command(name = "virtwire",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Wire libvirt/QEMU virtual machines to fast networks: SR-IOV VFs, vDPA and vhost-user.")
// the commands: Commands.TOP_LEVEL, registered per call (only the one invoked, see Commands)
public final class VirtwireCommand implements Runnable {

    private final GlobalOptions globals;

    @Spec
    CommandSpec spec;

    @Inject
    public VirtwireCommand(GlobalOptions globals) {
        this.globals = globals;
    }

    @Option(names = {"-c", "--connect"}, paramLabel = "URI", scope = ScopeType.INHERIT,
            description = "libvirt connection URI (default: $LIBVIRT_DEFAULT_URI, then qemu:///system)")
    void connect(String uri) {
        globals.connectUri(uri);
    }

    @Option(names = "--output", paramLabel = "FORMAT", scope = ScopeType.INHERIT,
            description = "output format: ${COMPLETION-CANDIDATES} (default: text)")
    void output(OutputFormat format) {
        globals.output(format);
    }

    @Option(names = "--host-root", paramLabel = "DIR", scope = ScopeType.INHERIT,
            description = "read /sys, /proc, /dev and /etc under DIR (default: $VIRTWIRE_HOST_ROOT, then /)")
    void hostRoot(Path root) {
        globals.hostRoot(root);
    }

    @Option(names = "--state-dir", paramLabel = "DIR", scope = ScopeType.INHERIT,
            description = "allocation record, lock and hook log (default: $VIRTWIRE_STATE_DIR, then /var/lib/virtwire)")
    void stateDir(Path dir) {
        globals.stateDir(dir);
    }

    @Option(names = "--forwarder", paramLabel = "SOCK", scope = ScopeType.INHERIT,
            description = "the forwarder's control socket (default: $VIRTWIRE_FORWARDER_SOCK, then /run/virtwire/forwarder.sock)")
    void forwarder(Path socket) {
        globals.forwarderSocket(socket);
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command; try 'virtwire --help'");
    }
}
