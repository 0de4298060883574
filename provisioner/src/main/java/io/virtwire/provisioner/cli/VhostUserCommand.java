package io.virtwire.provisioner.cli;

import io.virtwire.linux.ErrnoException;
import io.virtwire.provisioner.VirtwireException;
import io.virtwire.vhostuser.frontend.Probe;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "vhost-user", mixinStandardHelpOptions = true, description = "Talk to vhost-user backends.",
        subcommands = VhostUserCommand.ProbeCommand.class)
public final class VhostUserCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing subcommand: try 'virtwire vhost-user probe --help'");
    }

    @Command(name = "probe", mixinStandardHelpOptions = true,
            description = "Connect to a vhost-user backend socket as QEMU would and print what it offers (features, protocol"
                    + " features, queues, memory slots, MTU). Shares no memory and starts no ring.")
    public static final class ProbeCommand implements Callable<Integer> {

        @Parameters(index = "0", paramLabel = "SOCKET", description = "the backend's UNIX socket (it must be listening: QEMU-client mode)")
        Path socket;

        private final Output output;

        @Inject
        ProbeCommand(Output output) {
            this.output = output;
        }

        @Override
        public Integer call() {
            if (!Files.exists(socket)) {
                throw VirtwireException.notFound("no vhost-user socket at " + socket + ": is the backend running, and listening (server mode)?");
            }
            Probe.Result r;
            try {
                r = Probe.probe(socket);
            } catch (ErrnoException e) {
                throw new VirtwireException(VirtwireException.Kind.NOT_FOUND, "cannot connect to the vhost-user backend at " + socket
                        + ": " + e.getMessage() + " (nothing listens there, or it only connects out: QEMU-server mode)", e);
            } catch (IOException | RuntimeException e) {
                throw new VirtwireException(VirtwireException.Kind.CONFLICT, "the backend at " + socket
                        + " did not complete the vhost-user handshake: " + e.getMessage(), e);
            }
            Result result = new Result(socket.toString(), "0x" + Long.toHexString(r.features()), r.featureNames(),
                    "0x" + Long.toHexString(r.protocolFeatures()), r.protocolFeatureNames(), r.queueNum().orElse(null),
                    r.maxMemSlots().orElse(null), r.mtu().orElse(null));
            output.emit(result, out -> {
                out.println("Socket:            " + result.socket());
                out.println("Features:          " + result.features() + " " + String.join(" ", result.featureNames()));
                out.println("Protocol features: " + result.protocolFeatures() + " " + String.join(" ", result.protocolFeatureNames()));
                out.println("Queue pairs:       " + (result.queueNum() == null ? "- (no MQ)" : result.queueNum()));
                out.println("Memory slots:      " + (result.maxMemSlots() == null ? "- (no CONFIGURE_MEM_SLOTS)" : result.maxMemSlots()));
                out.println("MTU:               " + (result.mtu() == null ? "-" : result.mtu()));
            });
            return ExitCode.OK;
        }

        /** JSON shape of vhost-user probe. */
        public record Result(String socket, String features, List<String> featureNames, String protocolFeatures,
                             List<String> protocolFeatureNames, Long queueNum, Long maxMemSlots, Integer mtu) {
        }
    }
}
