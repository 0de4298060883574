package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.forwarder.ForwarderClient;
import io.virtwire.provisioner.forwarder.SocketForwarderClient;
import io.virtwire.provisioner.forwarder.UnconfiguredForwarderClient;
import jakarta.inject.Inject;

import java.nio.file.Files;
import java.util.List;

/**
 * The production {@link ForwarderClient}: the forwarder's control socket when it exists, else
 * {@link UnconfiguredForwarderClient} (the NIC is attached without a backend and the notes say so). Chosen at first
 * use, not at injection: the socket path comes from options picocli parses after the commands are created.
 * A socket that exists but does not answer is an error (UNAVAILABLE), not a silent fallback.
 */
public final class SelectedForwarderClient implements ForwarderClient {

    private final GlobalOptions globals;
    private final ForwarderControlFactory controls;
    private ForwarderClient chosen;

    @Inject
    SelectedForwarderClient(GlobalOptions globals, ForwarderControlFactory controls) {
        this.globals = globals;
        this.controls = controls;
    }

    private synchronized ForwarderClient chosen() {
        if (chosen == null) {
            chosen = Files.exists(globals.forwarderSocket())
                    ? new SocketForwarderClient(controls.open())
                    : new UnconfiguredForwarderClient();
        }
        return chosen;
    }

    @Override
    public void addPort(Port port) {
        chosen().addPort(port);
    }

    @Override
    public void registerForStart(Port port) {
        chosen().registerForStart(port);
    }

    @Override
    public void removePort(String socketPath) {
        chosen().removePort(socketPath);
    }

    @Override
    public List<Port> ports() {
        return chosen().ports();
    }

    @Override
    public String describe() {
        ForwarderClient c = chosen();
        return c instanceof UnconfiguredForwarderClient
                ? c.describe() + " (no forwarder control socket at " + globals.forwarderSocket() + ")"
                : c.describe();
    }
}
