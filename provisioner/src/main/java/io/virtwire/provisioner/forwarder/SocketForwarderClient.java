package io.virtwire.provisioner.forwarder;

import com.fasterxml.jackson.databind.JsonNode;
import io.virtwire.provisioner.VirtwireException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@link ForwarderClient} over the forwarder's control socket. virtwire knows a port by its socket path; the
 * forwarder by name: the name is the socket's file name without {@code .sock} (virtwire's sockets are
 * {@code DOMAIN-N.sock}, so {@code port list} reads as the domains), made unique if another port has it.
 * Adding a socket the forwarder already serves is a no-op (the hook re-registers on every start).
 *
 * <p>The forwarder (root) creates a server socket with its umask, which QEMU's user cannot connect to; after adding
 * (or confirming) a port, its socket is opened to the QEMU group ({@link QemuSocketAccess}).
 */
public final class SocketForwarderClient implements ForwarderClient {

    private final ForwarderControlClient control;
    private volatile String accessProblem;

    public SocketForwarderClient(ForwarderControlClient control) {
        this.control = control;
    }

    @Override
    public void addPort(Port port) {
        JsonNode ports = control.portList().path("ports");
        Set<String> names = new HashSet<>();
        for (JsonNode p : ports) {
            if (port.socketPath().equals(p.path("socket").asText(null))) {
                refuseQueueMismatch(port.socketPath(), port.queues());
                openToQemu(port);
                return;
            }
            names.add(p.path("name").asText());
        }
        String base = nameFor(port.socketPath());
        String name = base;
        for (int n = 2; names.contains(name); n++) {
            String suffix = "-" + n;
            name = base.substring(0, Math.min(base.length(), 64 - suffix.length())) + suffix;
        }
        control.portAdd(PortSpec.vhostUser(name, port.socketPath(), port.forwarderListens() ? "server" : "client", port.queues()));
        openToQemu(port);
    }

    /** As the interface's default, but a port with a QEMU session on it now is not taken away from that QEMU. */
    @Override
    public void registerForStart(Port port) {
        for (JsonNode p : control.portList().path("ports")) {
            if (port.socketPath().equals(p.path("socket").asText(null)) && queuesOf(p) != port.queues()
                    && p.path("connected").asBoolean()) {
                throw VirtwireException.conflict("the forwarder port '" + p.path("name").asText() + "' of " + port.socketPath()
                        + " has " + queuesOf(p) + " queue pair(s) and a QEMU session on it now, but the domain XML asks for "
                        + port.queues() + ": stop the domain that uses the socket, or make <driver queues> say " + queuesOf(p));
            }
        }
        ForwarderClient.super.registerForStart(port);
    }

    /** A port's queue pairs as port.list shows them; a daemon that does not say has one. */
    private static int queuesOf(JsonNode p) {
        return p.path("queues").isInt() ? p.path("queues").asInt() : 1;
    }

    private void openToQemu(Port port) {
        if (port.forwarderListens()) {
            String problem = QemuSocketAccess.openSocket(Path.of(port.socketPath()));
            if (problem != null) {
                accessProblem = problem;
            }
        }
    }

    @Override
    public void removePort(String socketPath) {
        for (JsonNode p : control.portList().path("ports")) {
            if (socketPath.equals(p.path("socket").asText(null))) {
                try {
                    control.portDel(p.path("name").asText());
                } catch (VirtwireException e) {
                    if (e.kind() != VirtwireException.Kind.NOT_FOUND) { // removed meanwhile: what we wanted
                        throw e;
                    }
                }
                return;
            }
        }
    }

    @Override
    public List<Port> ports() {
        List<Port> out = new ArrayList<>();
        for (JsonNode p : control.portList().path("ports")) {
            if (p.hasNonNull("socket")) {
                out.add(new Port(null, p.path("socket").asText(), null, !"client".equals(p.path("mode").asText()), queuesOf(p)));
            }
        }
        return out;
    }

    @Override
    public String describe() {
        String problem = accessProblem;
        return "vhost-user port registered with the forwarder at " + control.socket() + (problem == null ? "" : "; but " + problem);
    }

    /** The forwarder port name for a socket path: its file name without .sock, in the daemon's name alphabet. */
    static String nameFor(String socketPath) {
        String file = socketPath.substring(socketPath.lastIndexOf('/') + 1);
        if (file.endsWith(".sock")) {
            file = file.substring(0, file.length() - 5);
        }
        String name = file.replaceAll("[^A-Za-z0-9_.:-]", "_");
        if (name.isEmpty() || !Character.isLetterOrDigit(name.charAt(0))) {
            name = "p" + name;
        }
        return name.length() > 64 ? name.substring(0, 64) : name;
    }
}
