package io.virtwire.provisioner.forwarder;

import java.util.ArrayList;
import java.util.List;

/** A forwarder that keeps the ports it is given, for tests. */
public final class RecordingForwarder implements ForwarderClient {

    private final List<Port> ports = new ArrayList<>();
    public final List<String> calls = new ArrayList<>();

    @Override
    public synchronized void addPort(Port port) {
        calls.add("add " + port.socketPath());
        refuseQueueMismatch(port.socketPath(), port.queues()); // as the forwarder's client does
        ports.removeIf(p -> p.socketPath().equals(port.socketPath()));
        ports.add(port);
    }

    @Override
    public synchronized void removePort(String socketPath) {
        calls.add("remove " + socketPath);
        ports.removeIf(p -> p.socketPath().equals(socketPath));
    }

    @Override
    public synchronized List<Port> ports() {
        return List.copyOf(ports);
    }

    @Override
    public String describe() {
        return "recording forwarder (test)";
    }
}
