package io.virtwire.provisioner.demo;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.host.ProcessCommandRunner;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo's traffic phase: the guests ping (their own command, from boot), the namespace host pings each guest once
 * that guest has heard from it, the forwarder's counters are shown while it runs; then who reached whom.
 */
final class DemoTraffic {

    private static final long STATS_EVERY_NANOS = 2_000_000_000L;
    private static final int LIVE_STATS_SAMPLES = 5;

    private final List<RealDemo.Guest> guests;
    private final String hostIp;
    private final Path runDir;
    private final List<String> pingCommand;
    private final PrintWriter out;
    private final DemoCleanup cleanup;
    private final Runnable showStats;
    private final Map<Integer, Process> netnsPings = new LinkedHashMap<>();

    DemoTraffic(List<RealDemo.Guest> guests, String hostIp, Path runDir, List<String> pingCommand, PrintWriter out,
                DemoCleanup cleanup, Runnable showStats) {
        this.guests = guests;
        this.hostIp = hostIp;
        this.runDir = runDir;
        this.pingCommand = pingCommand;
        this.out = out;
        this.cleanup = cleanup;
        this.showStats = showStats;
    }

    /** Until every guest has printed its PINGS_DONE marker and every namespace ping has ended (bounded by {@code deadline}). */
    void run(LibvirtGateway gw, Deadline deadline) throws IOException, InterruptedException {
        if (pingCommand.isEmpty()) {
            out.println("   (no ping command on this host (busybox or iputils-ping): the namespace host does not ping the guests)");
        }
        long nextStats = System.nanoTime();
        int samples = 0;
        while (true) {
            for (int i = 0; i < guests.size(); i++) {
                RealDemo.Guest g = guests.get(i);
                // the guest has had an answer from the namespace host (ARP resolved both ways), or gave up: ping it from there
                if (!pingCommand.isEmpty() && !netnsPings.containsKey(i) && (g.console().repliedFrom(hostIp) || g.console().pingsDone())) {
                    netnsPings.put(i, startNetnsPing(i));
                }
                if (!gw.domain(g.name()).active()) {
                    throw new VirtwireException(VirtwireException.Kind.LIBVIRT, g.name() + " stopped during the pings; see "
                            + "/var/log/libvirt/qemu/" + g.name() + ".log and " + g.console().file());
                }
            }
            boolean guestsDone = guests.stream().allMatch(g -> g.console().pingsDone());
            boolean netnsDone = pingCommand.isEmpty()
                    || netnsPings.size() == guests.size() && netnsPings.values().stream().noneMatch(Process::isAlive);
            if (guestsDone && netnsDone) {
                return;
            }
            if (samples < LIVE_STATS_SAMPLES && System.nanoTime() - nextStats >= 0) {
                samples++;
                nextStats = System.nanoTime() + STATS_EVERY_NANOS;
                out.println("   [" + LocalTime.now().withNano(0) + "] live, while the pings run:");
                showStats.run();
            }
            deadline.check("the pings to finish (" + String.join(", ", guests.stream().map(g -> g.console().file().toString()).toList()) + ")");
            Thread.sleep(200);
        }
    }

    /** Prints what each side saw and a table; returns one result per expected ping (0/0 where none finished). */
    List<PingResult> results() throws IOException {
        List<PingResult> results = new ArrayList<>();
        for (RealDemo.Guest g : guests) {
            out.println("-- " + g.name() + " (" + g.ip() + "), serial console " + g.console().file() + ":");
            g.console().interestingLines().forEach(l -> out.println("   " + l));
            for (RealDemo.Guest peer : guests) {
                if (peer != g) {
                    results.add(result(g.name(), peer.ip(), g.console().text()));
                }
            }
            results.add(result(g.name(), hostIp, g.console().text()));
        }
        for (Map.Entry<Integer, Process> e : netnsPings.entrySet()) {
            RealDemo.Guest g = guests.get(e.getKey());
            String text = Files.readString(netnsPingLog(e.getKey()));
            out.println("-- " + DemoNamespace.NETNS + " (" + hostIp + ") -> " + g.ip() + ":");
            text.lines().forEach(l -> out.println("   " + l));
            results.add(result(DemoNamespace.NETNS, g.ip(), text));
        }
        out.println();
        out.println(String.format(" %-22s %-10s %5s %9s", "From", "To", "Sent", "Answered"));
        for (PingResult p : results) {
            out.println(String.format(" %-22s %-10s %5d %9d%s", p.from(), p.to(), p.transmitted(), p.received(), p.answered() ? "" : "   <- FAILED"));
        }
        return results;
    }

    private static PingResult result(String from, String to, String text) {
        return PingResult.find(from, to, text).orElse(new PingResult(from, to, 0, 0));
    }

    private Path netnsPingLog(int guest) {
        return runDir.resolve("netns-ping-" + (guest + 1) + ".log");
    }

    private Process startNetnsPing(int i) throws IOException {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", DemoNamespace.NETNS));
        command.addAll(pingCommand);
        command.addAll(List.of("-c", "3", "-W", "5", guests.get(i).ip()));
        out.println("$ " + ProcessCommandRunner.line(command) + " >" + netnsPingLog(i) + " 2>&1 &");
        out.flush();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(netnsPingLog(i).toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        cleanup.add(() -> p.isAlive() ? "kill " + p.pid() + "   # the namespace host's ping" : null, () -> {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        });
        return p;
    }
}
