package io.virtwire.provisioner.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.forwarder.ForwarderControlClient;
import io.virtwire.provisioner.host.ProcessCommandRunner;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** bin/virtwire-forwarder as a child process of the demo, with a generated config; its output goes to a log file. */
public final class ForwarderChild {

    private final Path launcher;
    private final Path config;
    private final Path log;
    private final Path control;
    private Process process;

    public ForwarderChild(Path launcher, Path config, Path log, Path control) {
        this.launcher = launcher;
        this.config = config;
        this.log = log;
        this.control = control;
    }

    /** The YAML config: switch mode, one worker, an AF_PACKET port on {@code iface}; guests' ports are added at attach time. */
    public static String config(Path control, Path stateDir, String portName, String iface) {
        return """
                # written by 'virtwire demo': an L2 learning switch whose first port is a host interface (AF_PACKET);
                # 'virtwire attach-interface --type vhostuser' adds a vhost-user port per guest NIC over the control socket
                control: %s
                stateDir: %s
                mode: switch
                workers: 1
                ports:
                  - {name: %s, type: af-packet, iface: %s}
                """.formatted(control, stateDir, portName, iface);
    }

    public List<String> command() {
        return List.of(launcher.toString(), "--config", config.toString());
    }

    /** Starts the daemon and waits (bounded) until its control socket answers {@code health}. */
    public JsonNode start(Deadline deadline, PrintWriter out) throws IOException, InterruptedException {
        out.println("$ " + ProcessCommandRunner.line(command()) + " >" + log + " 2>&1 &");
        out.flush();
        process = new ProcessBuilder(command()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        ForwarderControlClient client = new ForwarderControlClient(control, Duration.ofSeconds(2));
        long limit = Math.min(deadline.remainingMillis(), 60_000);
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(limit);
        VirtwireException last = null;
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                throw new VirtwireException(VirtwireException.Kind.HOST, "the forwarder exited (" + process.exitValue() + ") at start:\n" + logTail());
            }
            if (Files.exists(control)) {
                try {
                    return client.health();
                } catch (VirtwireException e) {
                    last = e;
                }
            }
            deadline.check("the forwarder's control socket " + control);
            Thread.sleep(200);
        }
        deadline.check("the forwarder's control socket " + control);
        throw new VirtwireException(VirtwireException.Kind.HOST, "the forwarder's control socket " + control + " did not answer within "
                + limit / 1000 + " s" + (last == null ? "" : " (" + last.getMessage() + ")") + ":\n" + logTail());
    }

    public long pid() {
        return process == null ? -1 : process.pid();
    }

    /** SIGTERM (the daemon removes its sockets), then SIGKILL after 15 s. */
    public void stop() throws InterruptedException {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no forwarder log at " + log + ")";
        }
    }
}
