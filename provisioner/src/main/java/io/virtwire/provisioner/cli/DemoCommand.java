package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.demo.DemoHost;
import io.virtwire.provisioner.demo.DemoPrerequisites;
import io.virtwire.provisioner.demo.RealDemo;
import io.virtwire.provisioner.demo.VirtwireHome;
import io.virtwire.provisioner.libvirt.LibvirtConnector;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import jakarta.inject.Inject;
import io.virtwire.provisioner.host.FixtureHosts;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.Map;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Set;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The main job. Where root, QEMU, libvirtd (qemu:///system), {@code ip netns}, the built forwarder and the guest image
 * are all there, the real demo ({@link RealDemo}): two tiny guests on the virtwire forwarder and a host in a network
 * namespace, pinging each other, with live forwarder counters. Elsewhere it says why, one line per missing piece, and
 * runs the embedded default: the real CLI commands against a bundled fixture host and libvirt's in-process test
 * driver, needing no root, no daemon and no NIC hardware, and changing nothing on the host. Each step of either demo
 * prints the command line it runs, so the demo doubles as a tutorial.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Walk through virtwire. On a host with root, QEMU, libvirtd, 'ip netns', the built forwarder and the guest image"
                + " (scripts/setup): two tiny guests defined through libvirt (qemu:///system) with vhost-user NICs on the virtwire"
                + " forwarder ping each other and a host in a network namespace reached through an AF_PACKET port, with live"
                + " forwarder counters; everything is removed at the end.",
                "Elsewhere (or with --mode test-driver): a bundled fixture host (show, doctor, plan, apply) and libvirt's test driver"
                + " (define a domain, attach one NIC of each kind, list, detach); nothing on the host changes."})
public final class DemoCommand implements Callable<Integer> {

    /** libvirt's built-in test driver: lives inside libvirt.so, its state lasts as long as this process. */
    static final String DEMO_URI = "test:///default";

    /** An I350 (igb) with VFs whose MACs are unset: seed 002's host. */
    static final String HOST_FIXTURE = "i350-igb-8vfs";

    /** Which demo to run. */
    public enum Mode {
        /** the real demo where its prerequisites are met, else the test-driver demo, saying why */
        auto,
        /** the real demo, or exit 69 naming what is missing */
        real,
        /** the embedded default: fixture host and libvirt's test driver */
        test_driver
    }

    @Option(names = "--mode", defaultValue = "auto", paramLabel = "MODE", converter = ModeConverter.class,
            description = "auto (default: real where possible, else test-driver, saying why), real (fail naming what is missing) or test-driver")
    Mode mode;

    @Option(names = "--timeout", defaultValue = "180", paramLabel = "SECONDS",
            description = "real demo: time limit; on expiry it says what it was waiting for and cleans up (default: ${DEFAULT-VALUE})")
    int timeout;

    @Option(names = "--name", defaultValue = "demo-vm", paramLabel = "NAME", description = "test-driver demo: domain name to use (default: ${DEFAULT-VALUE})")
    String name;

    private final CliIo io;
    private final Environment environment;
    private final LibvirtConnector connector;
    private final GlobalOptions globals;
    private final Output output;
    private final DemoHost host;
    /** Where the tutorial text goes: stdout, or stderr with --output json (stdout then holds one JSON summary). */
    private CliIo textIo;

    @Inject
    DemoCommand(CliIo io, Environment environment, LibvirtConnector connector, GlobalOptions globals, Output output, DemoHost host) {
        this.io = io;
        this.environment = environment;
        this.connector = connector;
        this.globals = globals;
        this.output = output;
        this.host = host;
    }

    /** The JSON shape of demo: which demo ran, why the real one did not, and the real one's summary. */
    public record Result(String mode, List<String> realDemoSkipped, int exitCode, RealDemo.Summary real) {
    }

    @Override
    public Integer call() throws IOException {
        if (timeout < 30 || timeout > 3600) {
            throw VirtwireException.invalid("--timeout " + timeout + " must be 30..3600 seconds");
        }
        textIo = globals.json() ? new CliIo(io.in(), io.err(), io.err()) : io;
        PrintWriter text = textIo.out();
        List<String> skipped = List.of();
        if (mode != Mode.test_driver) {
            java.nio.file.Path home = VirtwireHome.locate(environment.get("VIRTWIRE_HOME"));
            skipped = new DemoPrerequisites(host, home).check(ran -> {
                text.println("$ " + ran + "   # qemu:///system did not answer: starting the daemons (as scripts/lib/libvirtd.sh does)");
                text.flush();
            }).stream().map(DemoPrerequisites.Missing::line).toList();
            if (skipped.isEmpty()) {
                RealDemo.Summary summary = new RealDemo(home, text, this::realStep, connector, globals.hostRoot(), timeout, pingCommand()).run();
                int code = summary.passed() ? ExitCode.OK : ExitCode.FAILED;
                finish(new Result("real", List.of(), code, summary));
                return code;
            }
            if (mode == Mode.real) {
                skipped.forEach(io.err()::println);
                io.err().println("virtwire demo: --mode real needs all of the above; without --mode it runs the test-driver demo instead");
                finish(new Result("real", skipped, ExitCode.UNAVAILABLE, null));
                return ExitCode.UNAVAILABLE;
            }
            skipped.forEach(text::println);
            text.println("(so: the test-driver demo; 'virtwire demo --mode real' insists on the real one)");
            text.println();
        }
        text.println("virtwire demo: the embedded default. No root, no daemon and no NIC hardware needed; nothing on this host changes.");
        text.println();
        int code = hostPart();
        if (code == ExitCode.OK) {
            code = libvirtPart();
        }
        finish(new Result("test-driver", skipped, code, null));
        return code;
    }

    private void finish(Result result) {
        if (globals.json()) {
            output.printJson(result);
        }
        io.out().flush();
        io.err().flush();
    }

    /** busybox's ping (scripts/setup installs busybox-static for the guest image), else iputils' ping. */
    private List<String> pingCommand() {
        if (host.onPath("busybox").isPresent()) {
            return List.of("busybox", "ping");
        }
        return host.onPath("ping").isPresent() ? List.of("ping") : List.of();
    }

    /** A step of the real demo, run in-process like bin/virtwire, with its output in the tutorial text. */
    private int realStep(Map<String, String> extraEnvironment, List<String> args) {
        Map<String, String> env = new HashMap<>(environment.variables());
        env.putAll(extraEnvironment);
        return VirtwireCli.run(args.toArray(String[]::new), textIo, new Environment(Map.copyOf(env)));
    }

    /** picocli turns "test-driver" into {@link Mode#test_driver}; the error names the accepted words. */
    static final class ModeConverter implements picocli.CommandLine.ITypeConverter<Mode> {
        @Override
        public Mode convert(String value) {
            return switch (value) {
                case "auto" -> Mode.auto;
                case "real" -> Mode.real;
                case "test-driver" -> Mode.test_driver;
                default -> throw new picocli.CommandLine.TypeConversionException(
                        "'" + value + "' is not a demo mode: use auto, real or test-driver");
            };
        }
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
            textIo.out().println("== Part 1: host inventory, doctor and a host profile, on the bundled fixture host '" + HOST_FIXTURE + "'");
            textIo.out().println("   (a copy of a real host's /sys, /proc and /dev in " + host + "; writes go to a simulated kernel)");
            textIo.out().println();
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
        textIo.out().println("== Part 2: NICs through libvirt, on its built-in test driver (" + DEMO_URI + ", inside this process)");
        textIo.out().println();
        // test:///default's state lives while at least one connection to it is open: hold one for the whole part,
        // or each step's own connection would start from a fresh host.
        int code;
        try (LibvirtGateway keepAlive = connector.open(DEMO_URI)) {
            code = runSteps(steps);
        }
        if (code == ExitCode.OK) {
            textIo.out().println("Done: a host diagnosed and converged, a domain defined from a template, a VF (hostdev), a vDPA device and");
            textIo.out().println("a vhost-user socket attached, listed, one detached. On a real host drop --host-root and '-c " + DEMO_URI + "'.");
        }
        return code;
    }

    private int runSteps(List<Step> steps) {
        for (Step step : steps) {
            textIo.out().println("$ virtwire " + String.join(" ", step.args()));
            textIo.out().flush();
            int code = VirtwireCli.run(step.args().toArray(String[]::new), textIo, environment);
            textIo.out().println();
            if (!step.expected().contains(code)) {
                textIo.err().println("virtwire demo: step failed (exit " + code + "): virtwire " + String.join(" ", step.args()));
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
