package io.virtwire.provisioner.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.virtwire.provisioner.JsonError;
import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.domain.VirtTypeDetector;
import io.virtwire.provisioner.forwarder.ForwarderControlClient;
import io.virtwire.provisioner.host.ProcessCommandRunner;
import io.virtwire.provisioner.libvirt.LibvirtConnector;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The real demo: the virtwire forwarder as an L2 switch between two tiny guests defined through libvirt
 * (qemu:///system) from the vhostuser-memfd template, whose vhost-user NICs `virtwire attach-interface` registers with
 * the forwarder, and a host in a network namespace reached through an AF_PACKET port on a veth pair. The guests ping
 * each other and the namespace host, the namespace host pings them, the forwarder's counters are shown while it runs.
 * Every step prints its command line; everything it creates is removed at the end, on failure, on timeout and on
 * Ctrl-C (a shutdown hook).
 */
public final class RealDemo {

    /** Runs one virtwire command in-process (the same code as bin/virtwire), with extra environment variables. */
    public interface CliSteps {
        int run(Map<String, String> extraEnvironment, List<String> args);
    }

    /** One demo guest: its domain, address, NIC MAC and serial log. */
    public record Guest(String name, String ip, String mac, GuestConsole console) {
    }

    /**
     * What the demo did and saw; {@code --output json} prints it.
     *
     * @param error        why it failed ({@code {kind, message}}: CHECK_FAILED for unanswered pings, TIMEOUT, INTERRUPTED, or
     *                     the failed step's kind), null when it passed
     * @param forwarderPid the forwarder it started, null when it did not get that far
     */
    public record Summary(boolean passed, JsonError error, String virtType, String virtTypeReason, List<String> domains,
                          String runDir, Long forwarderPid, List<PingResult> pings, JsonNode stats, long seconds) {
    }

    public static final String DOMAIN_PREFIX = "vw-demo-";
    static final String HOST_IP = "10.0.0.3";
    static final String UPLINK_PORT = "host";
    private static final String URI = DemoPrerequisites.URI;

    private final Path home;
    private final PrintWriter out;
    private final CliSteps cli;
    private final LibvirtConnector connector;
    private final Path hostRoot;
    private final int timeoutSeconds;
    private final List<String> pingCommand;

    private final List<Guest> guests = new ArrayList<>();
    private Path run;
    private Path control;
    private Path stateDir;
    private Path socketDir;
    private ForwarderChild forwarder;
    private Deadline deadline;

    /**
     * @param pingCommand how to ping from the namespace host ({@code [busybox, ping]} or {@code [ping]}); empty: the
     *                    namespace host does not ping (the guests still ping it)
     */
    public RealDemo(Path home, PrintWriter out, CliSteps cli, LibvirtConnector connector, Path hostRoot, int timeoutSeconds,
                    List<String> pingCommand) {
        this.home = home;
        this.out = out;
        this.cli = cli;
        this.connector = connector;
        this.hostRoot = hostRoot;
        this.timeoutSeconds = timeoutSeconds;
        this.pingCommand = List.copyOf(pingCommand);
    }

    public Summary run() {
        long started = System.nanoTime();
        Deadline deadline = new Deadline(timeoutSeconds);
        this.deadline = deadline;
        DemoCleanup cleanup = new DemoCleanup(out);
        java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(1);
        // Ctrl-C / SIGTERM: ask the demo to stop at its next check and let it clean up in order; clean up here only
        // if it does not finish in time (e.g. stuck in a libvirt call)
        Thread hook = new Thread(() -> {
            out.println();
            out.println("virtwire demo: interrupted, cleaning up");
            out.flush();
            deadline.cancel("interrupted");
            try {
                if (!finished.await(30, java.util.concurrent.TimeUnit.SECONDS)) {
                    cleanup.runAll();
                }
            } catch (InterruptedException e) {
                cleanup.runAll();
            }
        }, "virtwire-demo-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        VirtTypeDetector.Choice virt = new VirtTypeDetector(hostRoot).detect();
        JsonError failure = null;
        List<PingResult> pings = List.of();
        JsonNode stats = null;
        try {
            pings = steps(deadline, cleanup, virt);
            stats = new ForwarderControlClient(control, Duration.ofSeconds(5)).stats(Optional.empty());
            List<PingResult> unanswered = pings.stream().filter(p -> !p.answered()).toList();
            if (unanswered.isEmpty() && !pings.isEmpty()) {
                out.println();
                out.println("Result: all " + pings.size() + " pings answered, through the forwarder's vhost-user ports and its AF_PACKET port.");
            } else {
                failure = new JsonError("CHECK_FAILED", "not answered: " + String.join(", ", unanswered.stream().map(p -> p.from() + " -> " + p.to()).toList()));
            }
        } catch (Deadline.Expired e) {
            failure = new JsonError("TIMEOUT", e.getMessage());
        } catch (VirtwireException e) {
            failure = JsonError.of(e.kind(), e.getMessage());
        } catch (IOException e) {
            failure = JsonError.of(VirtwireException.Kind.HOST, "I/O error: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = new JsonError("INTERRUPTED", "interrupted");
        } finally {
            if (failure != null) {
                out.println();
                out.println("virtwire demo: FAILED: " + failure.message());
                if (forwarder != null) {
                    out.println("forwarder log (last lines):");
                    out.println(forwarder.logTail());
                }
            }
            cleanup.runAll();
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down (Ctrl-C): the hook has run or is running the same cleanup
            }
        }
        return new Summary(failure == null, failure, virt.virtType(), virt.reason(), guests.stream().map(Guest::name).toList(),
                run == null ? null : run.toString(), forwarder == null || forwarder.pid() < 0 ? null : forwarder.pid(), pings, stats,
                Duration.ofNanos(System.nanoTime() - started).toSeconds());
    }

    private List<PingResult> steps(Deadline deadline, DemoCleanup cleanup, VirtTypeDetector.Choice virt)
            throws IOException, InterruptedException {
        out.println("virtwire demo (real): two guests on the virtwire forwarder and a host in a network namespace, through libvirt ("
                + URI + "). Time limit " + deadline.seconds() + " s; everything it creates is removed at the end.");
        DemoNamespace namespace = new DemoNamespace(HOST_IP + "/24", out);
        namespace.checkAbsent();

        run = Files.createTempDirectory(Path.of("/tmp"), DOMAIN_PREFIX);
        // QEMU runs as libvirt-qemu: it must reach the sockets and the guest image in here
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path runDir = run;
        cleanup.add("rm -rf " + run, () -> deleteTree(runDir));
        control = run.resolve("forwarder.sock");
        stateDir = run.resolve("state");
        socketDir = run.resolve("sockets");
        out.println("   run directory " + run + " (config, sockets, serial logs)");

        section("1. A host in network namespace " + DemoNamespace.NETNS + " (" + HOST_IP + "/24), wired to the root namespace by a veth pair");
        namespace.create(cleanup);

        section("2. The forwarder: an L2 switch with an AF_PACKET port on " + DemoNamespace.OUTER + " (the veth's root-namespace end)");
        Path config = run.resolve("forwarder.yaml");
        String yaml = ForwarderChild.config(control, run.resolve("forwarder-state"), UPLINK_PORT, DemoNamespace.OUTER);
        Files.writeString(config, yaml);
        out.println("$ cat > " + config + " <<'EOF'");
        out.print(yaml);
        out.println("EOF");
        forwarder = new ForwarderChild(VirtwireHome.forwarderLauncher(home), config, run.resolve("forwarder.log"), control);
        ForwarderChild child = forwarder;
        cleanup.add(() -> "kill " + child.pid() + "   # the forwarder (SIGTERM: it closes its ports and removes its sockets)", child::stop);
        JsonNode health = forwarder.start(deadline, out);
        out.println("   forwarder pid " + forwarder.pid() + ", status " + health.path("status").asText() + ", "
                + health.path("ports").asInt() + " port");
        cliStep(Map.of(), List.of("--forwarder", control.toString(), "forwarder", "health"));

        section("3. Two guests from the vhostuser-memfd template, each with a vhost-user NIC on the forwarder");
        Path image = run.resolve("guest");
        Files.createDirectories(image);
        Files.setPosixFilePermissions(image, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path kernel = image.resolve("vmlinuz");
        Path initrd = image.resolve("initramfs.cpio.gz");
        out.println("$ cp " + VirtwireHome.guestKernel(home) + " " + VirtwireHome.guestInitrd(home) + " " + image + "/"
                + "   # the tiny guest (scripts/build-guest), where QEMU (libvirt-qemu) can read it");
        Files.copy(VirtwireHome.guestKernel(home), kernel, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(VirtwireHome.guestInitrd(home), initrd, StandardCopyOption.REPLACE_EXISTING);
        boolean tcg = virt.virtType().equals("qemu");
        out.println("   domain type " + virt.virtType() + ": " + virt.reason());
        if (tcg) {
            out.println("   under TCG the guests boot with pci=nomsi (QEMU 7.2 crashes on MSI-X of a vhost-user NIC under TCG)"
                    + " and no_timer_check");
        }
        String pid = Long.toString(ProcessHandle.current().pid());
        for (int i = 1; i <= 2; i++) {
            String ip = "10.0.0." + i;
            String peer = "10.0.0." + (3 - i);
            Guest g = new Guest(DOMAIN_PREFIX + pid + "-" + i, ip, "52:54:00:de:00:0" + i, new GuestConsole(run.resolve("guest" + i + ".serial")));
            guests.add(g);
            cleanup.add("virsh -c " + URI + " destroy " + g.name() + "; virsh -c " + URI + " undefine " + g.name(), () -> removeDomain(g.name()));
            String cmdline = "console=ttyS0 panic=-1 no_timer_check" + (tcg ? " pci=nomsi" : "") + " vw.ip=" + ip + "/24"
                    + " vw.timeout=" + (deadline.seconds() + 60) + " vw.run=\"" + guestCommand(peer, HOST_IP) + "\"";
            deadline.check("defining " + g.name());
            cliStep(Map.of(), List.of("-c", URI, "define-domain", "--template", "vhostuser-memfd", "--name", g.name(),
                    "--memory", "256MiB", "--vcpus", "1", "--kernel", kernel.toString(), "--initrd", initrd.toString(),
                    "--cmdline", cmdline, "--serial-log", g.console().file().toString()));
            // no --source: virtwire picks the socket under VIRTWIRE_RUN_DIR and registers a forwarder port on it
            cliStep(Map.of("VIRTWIRE_RUN_DIR", socketDir.toString()), List.of("-c", URI, "--state-dir", stateDir.toString(),
                    "--forwarder", control.toString(), "attach-interface", g.name(), "--type", "vhostuser", "--mac", g.mac(), "--config"));
        }
        cliStep(Map.of(), List.of("--forwarder", control.toString(), "forwarder", "port", "list"));

        section("4. Start the guests (QEMU connects to the forwarder's sockets; each guest pings the other and " + HOST_IP + ")");
        out.println("   guest command (vw.run): " + guestCommand("PEER", HOST_IP));
        out.println("   (each guest first waits until the target answers once, since the other guest may still be booting,"
                + " then sends the 3 pings that count)");
        DemoTraffic traffic = new DemoTraffic(guests, HOST_IP, run, pingCommand, out, cleanup,
                () -> cliStep(Map.of(), List.of("--forwarder", control.toString(), "forwarder", "stats")));
        try (LibvirtGateway gw = connector.open(URI)) {
            for (Guest g : guests) {
                out.println("$ virsh -c " + URI + " start " + g.name());
                out.flush();
                gw.start(g.name());
            }
            awaitReady(gw, deadline);
            section("5. Traffic: the guests ping, the namespace host pings them; the forwarder's counters while it runs");
            traffic.run(gw, deadline);
        }

        section("6. What the guests and the namespace host saw");
        List<PingResult> results = traffic.results();
        section("7. The forwarder after the traffic: counters per port and the MAC table it learned");
        cliStep(Map.of(), List.of("--forwarder", control.toString(), "forwarder", "stats"));
        cliStep(Map.of(), List.of("--forwarder", control.toString(), "forwarder", "macs"));
        return results;
    }

    /** The guest's shell command: for each target, wait (bounded) for a first answer, then 3 counted pings. */
    static String guestCommand(String peer, String host) {
        return "for t in " + peer + " " + host + "; do w=0; until ping -c 1 -W 1 $t >/dev/null 2>&1 || [ $w -ge 30 ]; do w=$((w+1)); done;"
                + " ping -c 3 $t; done; echo " + GuestConsole.PINGS_DONE + "; sleep 600";
    }

    private void awaitReady(LibvirtGateway gw, Deadline deadline) throws InterruptedException {
        List<Guest> waiting = new ArrayList<>(guests);
        out.println("   waiting for the guests to boot (VIRTWIRE-GUEST-READY on their serial consoles)");
        out.flush();
        while (!waiting.isEmpty()) {
            for (Guest g : List.copyOf(waiting)) {
                Optional<String> ready = g.console().ready();
                if (ready.isPresent()) {
                    out.println("   " + g.name() + ": " + ready.get());
                    out.flush();
                    waiting.remove(g);
                    continue;
                }
                Optional<String> failed = g.console().failure();
                if (failed.isPresent()) {
                    throw new VirtwireException(VirtwireException.Kind.HOST, g.name() + " failed to boot: " + failed.get());
                }
                if (!gw.domain(g.name()).active()) {
                    throw new VirtwireException(VirtwireException.Kind.LIBVIRT, g.name() + " stopped before it was ready; see "
                            + "/var/log/libvirt/qemu/" + g.name() + ".log and " + g.console().file());
                }
            }
            deadline.check("the guests to boot (" + String.join(", ", waiting.stream().map(g -> g.console().file().toString()).toList()) + ")");
            Thread.sleep(200);
        }
    }

    private void cliStep(Map<String, String> env, List<String> args) {
        deadline.check("virtwire " + ProcessCommandRunner.line(args));
        StringBuilder line = new StringBuilder("$ ");
        env.forEach((k, v) -> line.append(k).append('=').append(ProcessCommandRunner.line(List.of(v))).append(' '));
        line.append("virtwire ").append(ProcessCommandRunner.line(args));
        out.println();
        out.println(line);
        out.flush();
        int code = cli.run(env, args);
        out.flush();
        if (code != 0) {
            throw new VirtwireException(VirtwireException.Kind.HOST, "step failed (exit " + code + "): virtwire " + ProcessCommandRunner.line(args));
        }
    }

    private void section(String title) {
        deadline.check(title);
        out.println();
        out.println("== " + title);
        out.flush();
    }

    private void removeDomain(String name) {
        try (LibvirtGateway gw = connector.open(URI)) {
            if (!gw.domainNames().contains(name)) {
                return;
            }
            if (gw.domain(name).active()) {
                gw.destroy(name);
            }
            gw.undefine(name);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
