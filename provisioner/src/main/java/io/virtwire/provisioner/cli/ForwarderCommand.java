package io.virtwire.provisioner.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "forwarder", mixinStandardHelpOptions = true,
        description = "Talk to the virtwire forwarder daemon over its control socket (--forwarder SOCK): ports, stats, MAC table, health."
                + " --output json prints the daemon's result object.",
        subcommands = {ForwarderPortCommand.class, ForwarderStatsCommand.class, ForwarderMacsCommand.class, ForwarderHealthCommand.class})
public final class ForwarderCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing forwarder command: port, stats, macs, health");
    }
}
