package io.virtwire.provisioner.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "hook", mixinStandardHelpOptions = true,
        description = "The libvirt qemu hook: re-applies VF settings and forwarder ports when a domain starts, frees them when it ends.",
        subcommands = {HookInstallCommand.class, HookUninstallCommand.class, HookQemuCommand.class})
public final class HookCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing hook command: install, uninstall or qemu");
    }
}
