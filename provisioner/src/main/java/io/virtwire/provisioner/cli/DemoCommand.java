package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.libvirt.LibvirtConnector;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The main job on an embedded default: runs the real CLI commands, one after the other, against libvirt's
 * in-process test driver, so it needs no root, no daemon and no NIC hardware, and changes nothing on the
 * host. Each step prints the command line it runs, so the demo doubles as a tutorial.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Walk through virtwire on an embedded default (libvirt's test driver): define a domain, attach one NIC of each kind, list, detach.")
public final class DemoCommand implements Callable<Integer> {

    /** libvirt's built-in test driver: lives inside libvirt.so, its state lasts as long as this process. */
    static final String DEMO_URI = "test:///default";

    @Option(names = "--name", defaultValue = "demo-vm", paramLabel = "NAME", description = "domain name to use (default: ${DEFAULT-VALUE})")
    String name;

    private final CliIo io;
    private final Environment environment;
    private final LibvirtConnector connector;

    @Inject
    DemoCommand(CliIo io, Environment environment, LibvirtConnector connector) {
        this.io = io;
        this.environment = environment;
        this.connector = connector;
    }

    @Override
    public Integer call() {
        List<List<String>> steps = new ArrayList<>();
        steps.add(List.of("define-domain", "--template", "vhostuser-memfd", "--name", name, "--memory", "512MiB", "--vcpus", "1"));
        steps.add(List.of("attach-interface", name, "--type", "hostdev", "--vf", "0000:07:10.1", "--mac", "52:54:00:00:00:11", "--vlan", "100", "--config"));
        steps.add(List.of("attach-interface", name, "--type", "vdpa", "--dev", "/dev/vhost-vdpa-0", "--mac", "52:54:00:00:00:12", "--queues", "2", "--config"));
        steps.add(List.of("attach-interface", name, "--type", "vhostuser", "--source", "/run/virtwire/" + name + "-net0.sock",
                "--mode", "client", "--mac", "52:54:00:00:00:13", "--queues", "2", "--config"));
        steps.add(List.of("domiflist", name));
        steps.add(List.of("detach-interface", name, "--mac", "52:54:00:00:00:12", "--config"));
        steps.add(List.of("domiflist", name));
        steps.add(List.of("xml", "network", "--name", "sriov-pool", "--pf", "ens2f0"));

        io.out().println("virtwire demo: the embedded default — libvirt's test driver (" + DEMO_URI + "), inside this process.");
        io.out().println("No root, no daemon and no NIC hardware needed; nothing on this host changes.");
        io.out().println();
        // test:///default's state lives while at least one connection to it is open: hold one for the whole demo,
        // or each step's own connection would start from a fresh host.
        try (LibvirtGateway keepAlive = connector.open(DEMO_URI)) {
            return runSteps(steps);
        }
    }

    private int runSteps(List<List<String>> steps) {
        for (List<String> step : steps) {
            io.out().println("$ virtwire -c " + DEMO_URI + " " + String.join(" ", step));
            io.out().flush();
            List<String> args = new ArrayList<>(List.of("-c", DEMO_URI));
            args.addAll(step);
            int code = VirtwireCli.run(args.toArray(String[]::new), io, environment);
            io.out().println();
            if (code != ExitCode.OK) {
                io.err().println("virtwire demo: step failed (exit " + code + "): virtwire " + String.join(" ", step));
                return code;
            }
        }
        io.out().println("Done: one domain defined from a template, a VF (hostdev), a vDPA device and a vhost-user socket attached,");
        io.out().println("listed, one detached. On a real host drop '-c " + DEMO_URI + "' (default qemu:///system).");
        return ExitCode.OK;
    }
}
