package io.virtwire.provisioner.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "host",
        mixinStandardHelpOptions = true,
        description = "Inspect, diagnose and converge this host's SR-IOV, switchdev, vDPA and hugepage setup.",
        subcommands = {HostShowCommand.class, HostDoctorCommand.class, HostPlanCommand.class, HostApplyCommand.class, HostFixtureCommand.class})
public final class HostCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing host command: fixture, show, doctor, plan or apply");
    }
}
