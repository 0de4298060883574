package io.virtwire.provisioner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.inject.Inject;
import picocli.CommandLine.Command;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "health", mixinStandardHelpOptions = true,
        description = "Is the forwarder running and are its ports healthy (status ok or degraded, uptime, workers, outage after a restart,"
                + " remembered ports it could not bring back). Exit 0 healthy, 1 degraded (a broken port, a state directory"
                + " problem), 69 down (no forwarder answers on the control socket).",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:healthy (status ok)", "1:degraded: running, but a port is broken or its state directory has a problem",
                "69:down: no forwarder answers on the control socket (or it refuses this connection)"})
public final class ForwarderHealthCommand implements Callable<Integer> {

    private final ForwarderControlFactory controls;
    private final Output output;

    @Inject
    ForwarderHealthCommand(ForwarderControlFactory controls, Output output) {
        this.controls = controls;
        this.output = output;
    }

    /** 0 for {@code ok}, 1 for {@code degraded} (or a status this CLI does not know: not healthy either). */
    @Override
    public Integer call() {
        JsonNode h = controls.open().health();
        output.emit(h, out -> {
            out.println("status:   " + h.path("status").asText() + " (pid " + h.path("pid").asText() + ", mode " + h.path("mode").asText()
                    + ", up " + Duration.ofMillis(h.path("uptimeMillis").asLong()).toSeconds() + " s)");
            out.println("ports:    " + h.path("ports").asInt() + ", " + h.path("portsUp").asInt() + " with a connected peer");
            List<String> workers = new ArrayList<>();
            h.path("workers").forEach(w -> workers.add(w.path("name").asText() + " (" + w.path("ports").asInt() + " ports)"));
            out.println("workers:  " + String.join(", ", workers));
            if (h.hasNonNull("restartedAfterMillis")) {
                out.println("restart:  came back " + h.get("restartedAfterMillis").asLong() + " ms after the previous process's last heartbeat");
            }
            h.path("brokenPorts").forEach(b -> out.println("broken:   " + b.path("name").asText() + ": " + b.path("reason").asText()));
            // remembered ports (added over the control socket before a restart) the forwarder could not bring back
            if (h.hasNonNull("stateProblem")) {
                out.println("state:    " + h.get("stateProblem").asText());
            }
            List<String> notRestored = new ArrayList<>();
            h.path("portsNotRestored").forEach(n -> notRestored.add(n.asText()));
            if (!notRestored.isEmpty()) {
                out.println("not restored: " + String.join(", ", notRestored)
                        + " (remembered ports that could not be opened at start; the forwarder's log says why)");
            }
        });
        return "ok".equals(h.path("status").asText()) ? ExitCode.OK : ExitCode.FAILED;
    }
}
