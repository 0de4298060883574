package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.libvirt.LibvirtConnector;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import jakarta.inject.Inject;
import io.virtwire.provisioner.host.FixtureHosts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Set;
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
        description = "Walk through virtwire on an embedded default: a bundled fixture host (show, doctor, plan, apply) and libvirt's test driver (define a domain, attach one NIC of each kind, list, detach).")
public final class DemoCommand implements Callable<Integer> {

    /** libvirt's built-in test driver: lives inside libvirt.so, its state lasts as long as this process. */
    static final String DEMO_URI = "test:///default";

    /** An I350 (igb) with VFs whose MACs are unset: seed 002's host. */
    static final String HOST_FIXTURE = "i350-igb-8vfs";

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
    public Integer call() throws IOException {
        io.out().println("virtwire demo: the embedded default. No root, no daemon and no NIC hardware needed; nothing on this host changes.");
        io.out().println();
        int code = hostPart();
        if (code != ExitCode.OK) {
            return code;
        }
        return libvirtPart();
    }

    /** Part 1: a bundled fixture host (an I350 with VFs, from the seeds) under --host-root, with a simulated kernel. */
    private int hostPart() throws IOException {
        Path host = FixtureHosts.materialize(HOST_FIXTURE);
        Path profile = Files.createTempFile("virtwire-demo-", ".yaml");
        try {
            Files.writeString(profile, """
                    # give enp1s0f0's VFs stable MACs before guests start (doctor: vf-mac-unset)
                    pfs:
                      - pf: enp1s0f0
                        vfs:
                          - {index: 0, mac: "52:54:00:10:00:00", vlan: 100, spoofchk: true}
                          - {index: 1, mac: "52:54:00:10:00:01", vlan: 100, spoofchk: true}
                          - {index: 2, mac: "52:54:00:10:00:02"}
                          - {index: 3, mac: "52:54:00:10:00:03"}
                    """);
            io.out().println("== Part 1: host inventory, doctor and a host profile, on the bundled fixture host '" + HOST_FIXTURE + "'");
            io.out().println("   (a copy of a real host's /sys, /proc and /dev in " + host + "; writes go to a simulated kernel)");
            io.out().println();
            String root = host.toString();
            List<Step> steps = List.of(
                    new Step(List.of("--host-root", root, "host", "show"), Set.of(ExitCode.OK)),
                    new Step(List.of("--host-root", root, "host", "doctor", "--for", "hostdev"), Set.of(ExitCode.OK, ExitCode.FAILED)),
                    new Step(List.of("--host-root", root, "host", "plan", "-f", profile.toString()), Set.of(ExitCode.OK)),
                    new Step(List.of("--host-root", root, "host", "apply", "-f", profile.toString()), Set.of(ExitCode.OK)),
                    new Step(List.of("--host-root", root, "host", "apply", "-f", profile.toString()), Set.of(ExitCode.OK)),
                    new Step(List.of("--host-root", root, "host", "doctor", "--for", "hostdev"), Set.of(ExitCode.OK, ExitCode.FAILED)));
            return runSteps(steps);
        } finally {
            Files.deleteIfExists(profile);
            deleteTree(host);
        }
    }

    /** Part 2: libvirt's test driver: a domain from a template, one NIC of each kind, list, detach. */
    private int libvirtPart() {
        Set<Integer> ok = Set.of(ExitCode.OK);
        List<Step> steps = new ArrayList<>();
        for (List<String> args : List.of(
                List.of("define-domain", "--template", "vhostuser-memfd", "--name", name, "--memory", "512MiB", "--vcpus", "1"),
                List.of("attach-interface", name, "--type", "hostdev", "--vf", "0000:02:10.0", "--mac", "52:54:00:10:00:00", "--vlan", "100", "--config"),
                List.of("attach-interface", name, "--type", "vdpa", "--dev", "/dev/vhost-vdpa-0", "--mac", "52:54:00:00:00:12", "--queues", "2", "--config"),
                List.of("attach-interface", name, "--type", "vhostuser", "--source", "/run/virtwire/" + name + "-net0.sock",
                        "--mode", "client", "--mac", "52:54:00:00:00:13", "--queues", "2", "--config"),
                List.of("domiflist", name),
                List.of("detach-interface", name, "--mac", "52:54:00:00:00:12", "--config"),
                List.of("domiflist", name),
                List.of("xml", "network", "--name", "sriov-pool", "--pf", "enp1s0f0"))) {
            List<String> withUri = new ArrayList<>(List.of("-c", DEMO_URI));
            withUri.addAll(args);
            steps.add(new Step(withUri, ok));
        }
        io.out().println("== Part 2: NICs through libvirt, on its built-in test driver (" + DEMO_URI + ", inside this process)");
        io.out().println();
        // test:///default's state lives while at least one connection to it is open: hold one for the whole part,
        // or each step's own connection would start from a fresh host.
        int code;
        try (LibvirtGateway keepAlive = connector.open(DEMO_URI)) {
            code = runSteps(steps);
        }
        if (code == ExitCode.OK) {
            io.out().println("Done: a host diagnosed and converged, a domain defined from a template, a VF (hostdev), a vDPA device and");
            io.out().println("a vhost-user socket attached, listed, one detached. On a real host drop --host-root and '-c " + DEMO_URI + "'.");
        }
        return code;
    }

    private int runSteps(List<Step> steps) {
        for (Step step : steps) {
            io.out().println("$ virtwire " + String.join(" ", step.args()));
            io.out().flush();
            int code = VirtwireCli.run(step.args().toArray(String[]::new), io, environment);
            io.out().println();
            if (!step.expected().contains(code)) {
                io.err().println("virtwire demo: step failed (exit " + code + "): virtwire " + String.join(" ", step.args()));
                return code;
            }
        }
        return ExitCode.OK;
    }

    private static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private record Step(List<String> args, Set<Integer> expected) {
    }
}
