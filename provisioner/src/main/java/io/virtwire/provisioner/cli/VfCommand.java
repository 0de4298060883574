package io.virtwire.provisioner.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "vf", mixinStandardHelpOptions = true, description = "SR-IOV VFs: who holds which, with their settings.",
        subcommands = {VfListCommand.class})
public final class VfCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing vf command: list");
    }
}
