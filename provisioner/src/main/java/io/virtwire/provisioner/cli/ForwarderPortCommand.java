package io.virtwire.provisioner.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "port", mixinStandardHelpOptions = true, description = "Add, remove and list the forwarder's ports.",
        subcommands = {ForwarderPortAddCommand.class, ForwarderPortDelCommand.class, ForwarderPortListCommand.class})
public final class ForwarderPortCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing forwarder port command: add, del, list");
    }
}
