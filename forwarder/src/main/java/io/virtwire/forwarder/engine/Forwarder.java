package io.virtwire.forwarder.engine;

import io.virtwire.forwarder.config.PortConfig;
import io.virtwire.forwarder.port.NoSuchInterfaceException;
import io.virtwire.forwarder.port.Port;
import io.virtwire.forwarder.runtime.PollWorker;
import io.virtwire.forwarder.switching.CrossConnect;
import io.virtwire.forwarder.switching.Forwarding;
import io.virtwire.forwarder.switching.L2Switch;
import io.virtwire.forwarder.switching.MacTable;
import io.virtwire.forwarder.switching.PortTable;
import io.virtwire.forwarder.switching.SwitchPort;
import io.virtwire.linux.ErrnoException;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The data plane as the control plane sees it: ports in a {@link PortTable}, a {@link Forwarding} (the learning
 * switch, or a cross-connect), and poll workers each owning some ports' receive side. Port changes are
 * serialized here; a failed add leaves nothing behind.
 */
public final class Forwarder implements AutoCloseable {

    public enum Mode { SWITCH, XCONNECT }

    private static final System.Logger LOG = System.getLogger(Forwarder.class.getName());

    private final Mode mode;
    private final PortTable table = new PortTable();
    private final MacTable macs;
    private final Forwarding forwarding;
    private final PollWorker[] workers;
    private final PortFactory factory;
    /** The workers receiving from each port: one per receive queue, different ones while there are enough. */
    private final Map<SwitchPort, List<PollWorker>> ownersOf = new HashMap<>();
    private final Map<String, PortConfig> configs = new HashMap<>();
    private final long startedMillis = System.currentTimeMillis();
    private final long previousHeartbeatMillis;
    private final Thread monitor;
    private volatile boolean closed;

    /**
     * @param workerCpus CPU for worker i, or an empty list for no pinning
     * @param previousHeartbeatMillis the last heartbeat of the process before a restart, or -1
     */
    public Forwarder(Mode mode, int workerCount, List<Integer> workerCpus, Duration macAging, PortFactory factory,
                     long previousHeartbeatMillis) throws ErrnoException {
        this.mode = mode;
        this.factory = factory;
        this.previousHeartbeatMillis = previousHeartbeatMillis;
        this.macs = new MacTable(8192, macAging.toNanos());
        this.forwarding = mode == Mode.SWITCH ? new L2Switch(table, macs) : new CrossConnect(table);
        this.workers = new PollWorker[workerCount];
        for (int i = 0; i < workerCount; i++) {
            int cpu = i < workerCpus.size() ? workerCpus.get(i) : -1;
            workers[i] = new PollWorker("vw-worker-" + i, table, forwarding, cpu).start();
        }
        this.monitor = Thread.ofPlatform().name("vw-link-monitor").daemon(true).start(this::monitorLinks);
    }

    public Mode mode() {
        return mode;
    }

    public MacTable macs() {
        return macs;
    }

    public PortTable table() {
        return table;
    }

    public long startedMillis() {
        return startedMillis;
    }

    public long previousHeartbeatMillis() {
        return previousHeartbeatMillis;
    }

    public List<PollWorker> workers() {
        return List.of(workers);
    }

    /** The name of the worker receiving from queue {@code queue} of {@code port}, or null. */
    public synchronized String workerOf(SwitchPort port, int queue) {
        for (PollWorker w : ownersOf.getOrDefault(port, List.of())) {
            if (w.queuesOf(port).contains(queue)) {
                return w.name();
            }
        }
        return null;
    }

    public synchronized PortConfig configOf(String name) {
        return configs.get(name);
    }

    /** Opens and attaches a port. On any failure nothing has changed. */
    public synchronized SwitchPort addPort(PortConfig config) throws ForwarderException {
        PortConfig c;
        try {
            c = config.validated();
        } catch (IllegalArgumentException e) {
            throw new ForwarderException("INVALID_ARGUMENT", e.getMessage(), e);
        }
        if (table.byName(c.name()) != null) {
            throw new ForwarderException("DUPLICATE_NAME", "a port named '" + c.name() + "' exists already;"
                    + " choose another name or remove it first");
        }
        for (PortConfig other : configs.values()) {
            if (c.socket() != null && c.socket().equals(other.socket())) {
                throw new ForwarderException("SOCKET_IN_USE", "socket " + c.socket() + " is already used by port '"
                        + other.name() + "'");
            }
            if (c.iface() != null && c.iface().equals(other.iface())) {
                throw new ForwarderException("INTERFACE_IN_USE", "interface " + c.iface()
                        + " is already used by port '" + other.name() + "'");
            }
        }
        if (mode == Mode.XCONNECT && table.ports().length >= 2) {
            throw new ForwarderException("INVALID_ARGUMENT", "cross-connect mode wires exactly two ports");
        }
        Port port;
        try {
            port = factory.open(c);
        } catch (FileAlreadyExistsException e) {
            throw new ForwarderException("SOCKET_IN_USE", "socket " + c.socket() + ": " + e.getReason(), e);
        } catch (NoSuchInterfaceException e) {
            throw new ForwarderException("NO_SUCH_INTERFACE", e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            throw new ForwarderException("PORT_OPEN_FAILED", "port " + c.name() + ": " + e.getMessage(), e);
        }
        SwitchPort sp;
        try {
            long downSince = previousHeartbeatMillis > 0 ? previousHeartbeatMillis : System.currentTimeMillis();
            sp = table.add(slot -> new SwitchPort(slot, port, c.vlan() == null
                    ? io.virtwire.forwarder.switching.VlanPolicy.defaultAccess() : c.vlan().toPolicy(),
                    c.mtuOrDefault(), downSince));
        } catch (RuntimeException e) {
            port.close();
            throw new ForwarderException("INVALID_ARGUMENT", e.getMessage(), e);
        }
        if (forwarding instanceof CrossConnect xc && table.ports().length == 2) {
            xc.connect(table.ports()[0], table.ports()[1]);
        }
        List<PollWorker> owners = new ArrayList<>();
        StringBuilder placed = new StringBuilder();
        try {
            for (int q = 0; q < port.receiveQueues(); q++) {
                PollWorker w = leastLoaded(owners);
                w.own(sp, q);
                owners.add(w);
                placed.append(q == 0 ? "" : ", ").append(port.receiveQueues() > 1 ? "queue " + q + " on " : "")
                        .append(w.name());
            }
        } catch (ErrnoException | RuntimeException e) {
            for (PollWorker w : new java.util.LinkedHashSet<>(owners)) {
                w.disown(sp);
            }
            table.remove(sp);
            port.close();
            throw new ForwarderException("PORT_OPEN_FAILED", "port " + c.name() + ": cannot watch it: " + e.getMessage(), e);
        }
        ownersOf.put(sp, owners);
        configs.put(c.name(), c);
        LOG.log(System.Logger.Level.INFO, "port added port=" + c.name() + " type=" + c.typeOrDefault() + " slot=" + sp.slot()
                + " workers=\"" + placed + "\"");
        return sp;
    }

    /**
     * The worker with the fewest receive queues, preferring one that has none of this port's yet ({@code taken}): the
     * queue pairs of one guest go to different workers while there are enough, so each pair's transmit ring is
     * drained by its own thread.
     */
    private PollWorker leastLoaded(List<PollWorker> taken) {
        PollWorker best = null;
        for (PollWorker w : workers) {
            boolean better = best == null
                    || taken.contains(best) && !taken.contains(w)
                    || taken.contains(best) == taken.contains(w) && w.portCount() < best.portCount();
            if (better) {
                best = w;
            }
        }
        return best;
    }

    public synchronized void removePort(String name) throws ForwarderException {
        SwitchPort sp = table.byName(name);
        if (sp == null) {
            throw new ForwarderException("UNKNOWN_PORT", "no port named '" + name + "'; 'port.list' shows the ports");
        }
        for (PollWorker w : new java.util.LinkedHashSet<>(ownersOf.remove(sp))) {
            w.disown(sp);
        }
        if (forwarding instanceof CrossConnect xc) {
            xc.disconnect(sp);
        }
        table.remove(sp);
        // other workers may be transmitting to it: let every one finish its cycle before closing
        for (PollWorker w : workers) {
            w.quiesce();
        }
        macs.flush(sp.slot());
        configs.remove(name);
        sp.port().close();
        LOG.log(System.Logger.Level.INFO, "port removed port=" + name);
    }

    public List<SwitchPort> ports() {
        return List.of(table.ports());
    }

    public SwitchPort port(String name) throws ForwarderException {
        SwitchPort sp = table.byName(name);
        if (sp == null) {
            throw new ForwarderException("UNKNOWN_PORT", "no port named '" + name + "'; 'port.list' shows the ports");
        }
        return sp;
    }

    private void monitorLinks() {
        while (!closed) {
            sampleLinks();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    public void sampleLinks() {
        long now = System.currentTimeMillis();
        for (SwitchPort p : table.ports()) {
            p.link().sample(p.port().isUp(), now);
        }
    }

    @Override
    public void close() {
        closed = true;
        monitor.interrupt();
        for (PollWorker w : workers) {
            try {
                w.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        List<SwitchPort> all = new ArrayList<>(List.of(table.ports()));
        for (SwitchPort p : all) {
            table.remove(p);
            p.port().close();
        }
    }
}
