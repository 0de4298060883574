package io.virtwire.forwarder.state;

import io.virtwire.forwarder.config.PortConfig;
import io.virtwire.forwarder.engine.Forwarder;
import io.virtwire.forwarder.engine.ForwarderException;
import io.virtwire.forwarder.switching.SwitchPort;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Ports added and removed over the control socket, kept in a {@link PortStore} so that after a restart (or
 * {@code kill -9}) the daemon opens them again: a guest whose port a libvirt hook added keeps its link. The
 * config file's ports are not remembered here (the config brings them back) and win on a name clash.
 *
 * <p>Every change is saved before it is reported done; a change that cannot be saved is undone and refused
 * ({@code STATE_WRITE_FAILED}), so the file and the running ports never disagree about what a restart brings back.
 * A remembered port that could not be opened at start stays in the file (it is tried again at the next start)
 * until a {@code port.add} of the same name replaces it or a {@code port.del} forgets it.
 */
public final class RememberedPorts {

    private static final System.Logger LOG = System.getLogger(RememberedPorts.class.getName());

    private final Forwarder forwarder;
    private final PortStore store;
    /** Running ports added over the control socket (or restored), in the order they were added. */
    private final Map<String, PortConfig> remembered = new LinkedHashMap<>();
    /** Remembered ports that could not be opened at start, with the socket access recorded for them. */
    private final Map<String, PortConfig> notOpened = new LinkedHashMap<>();
    private final Map<String, SocketAccess> notOpenedAccess = new LinkedHashMap<>();
    private volatile String restoreProblem;
    private volatile boolean untrustedState;
    private final StateDir stateDir;

    public RememberedPorts(Forwarder forwarder, PortStore store) {
        this(forwarder, store, null);
    }

    /** With the daemon's state directory, whose problems (deleted, replaced while running) {@code health} shows. */
    public RememberedPorts(Forwarder forwarder, PortStore store, StateDir stateDir) {
        this.forwarder = forwarder;
        this.store = store;
        this.stateDir = stateDir;
    }

    /**
     * At start, after the config's ports: opens every remembered port. A port the config also names is dropped
     * (the config wins); one that cannot be opened now is kept for the next start; both are logged with the port's
     * settings. An unreadable or corrupt file is moved aside and reported (log and {@code health}); the daemon
     * starts with the config's ports rather than not at all.
     *
     * @return the ports opened
     */
    public synchronized int restore(Set<String> configNames) {
        PortStore.Saved state;
        try {
            state = store.loadAll();
        } catch (PortStore.CorruptStateException e) {
            // an untrusted file is never read: its ports (and socket modes) could be anyone's
            boolean untrusted = e instanceof PortStore.UntrustedStateException;
            untrustedState = untrusted;
            String where;
            try {
                where = "moved aside to " + store.quarantine(System.currentTimeMillis(), untrusted ? "untrusted" : "bad");
            } catch (IOException moveFailed) {
                where = "could not be moved aside (" + moveFailed.getMessage() + ")";
            }
            restoreProblem = e.getMessage() + "; " + where + "; the ports it listed were NOT restored: add them again"
                    + " (virtwire forwarder port add, or re-attach the guests' interfaces)";
            LOG.log(System.Logger.Level.ERROR, restoreProblem);
            return 0;
        }
        int opened = 0;
        boolean dropped = false;
        for (PortConfig p : state.ports()) {
            if (configNames.contains(p.name())) {
                LOG.log(System.Logger.Level.WARNING, "remembered port " + p.name() + " (" + store.file()
                        + ") is dropped: the config file defines a port of that name, and the config wins");
                dropped = true;
                continue;
            }
            // after kill -9 the dead process's socket file is still there with the access it was given; after a
            // clean stop it is gone and the file's record is what is left (trusted: the file passed its checks).
            // Either way clamped to 0660 at most
            SocketAccess access = currentAccess(p);
            if (access == null) {
                access = state.socketAccess().get(p.name());
            }
            if (access != null && !access.equals(access.clamped())) {
                LOG.log(System.Logger.Level.WARNING, "remembered port " + p.name() + ": its socket had mode "
                        + Integer.toOctalString(access.mode()) + "; a restored socket gets at most "
                        + Integer.toOctalString(SocketAccess.MAX_MODE) + " (owner and group), so it gets "
                        + Integer.toOctalString(access.clamped().mode()));
                access = access.clamped();
            }
            try {
                forwarder.addPort(p);
                remembered.put(p.name(), p);
                opened++;
                if (access != null) {
                    giveAccess(p, access);
                }
            } catch (ForwarderException e) {
                notOpened.put(p.name(), p);
                if (access != null) {
                    notOpenedAccess.put(p.name(), access);
                }
                LOG.log(System.Logger.Level.ERROR, "remembered port " + p.name() + " cannot be opened now (kept in "
                        + store.file() + " for the next start; port.del forgets it): " + e.code() + ": "
                        + e.getMessage() + "; its settings: " + p);
            }
        }
        if (dropped) {
            try {
                save(List.copyOf(remembered.values()));
            } catch (IOException e) {
                LOG.log(System.Logger.Level.ERROR, "cannot rewrite " + store.file() + ": " + e.getMessage());
            }
        }
        if (opened > 0) {
            LOG.log(System.Logger.Level.INFO, "restored " + opened + " port(s) from " + store.file());
        }
        return opened;
    }

    /**
     * What went wrong with the state: the state directory deleted or replaced while running, and what went wrong
     * reading the file at start; null if nothing.
     */
    public String restoreProblem() {
        String dirProblem = stateDir == null ? null : stateDir.problem();
        if (dirProblem == null) {
            return restoreProblem;
        }
        return restoreProblem == null ? dirProblem : dirProblem + "; and at start: " + restoreProblem;
    }

    /**
     * Whether the state needs an operator ({@code health} says degraded): the state directory went away or was
     * replaced while running, or the file found at start was not one the daemon may trust.
     */
    public boolean stateDegraded() {
        return untrustedState || (stateDir != null && stateDir.problem() != null);
    }

    /**
     * The state directory was deleted and has been re-created: writes the running ports into it again, so a
     * restart still brings them back.
     */
    public synchronized void rewrite() {
        try {
            save(List.copyOf(remembered.values()));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "cannot write " + store.file() + " again: " + e.getMessage());
        }
    }

    /** Remembered ports that could not be opened at start (kept for the next start). */
    public synchronized List<String> notRestored() {
        return List.copyOf(notOpened.keySet());
    }

    public synchronized boolean isRemembered(String name) {
        return remembered.containsKey(name);
    }

    /** {@code port.add}: opens the port and remembers it; on any failure nothing has changed. */
    public synchronized SwitchPort add(PortConfig config) throws ForwarderException {
        SwitchPort sp = forwarder.addPort(config);
        PortConfig c = forwarder.configOf(sp.name());
        List<PortConfig> next = new ArrayList<>(remembered.values());
        next.add(c);
        try {
            save(next);
        } catch (IOException e) {
            forwarder.removePort(sp.name());
            throw new ForwarderException("STATE_WRITE_FAILED", "port " + sp.name() + " was not added: cannot save "
                    + store.file() + " (" + e.getMessage() + "), so a restart would lose it; fix the state"
                    + " directory (stateDir) and try again", e);
        }
        remembered.put(c.name(), c);
        // a port of that name kept from an earlier run is replaced (save wrote only the new one)
        notOpened.remove(c.name());
        notOpenedAccess.remove(c.name());
        return sp;
    }

    /**
     * {@code port.del}: forgets the port first (a restart must not bring it back), then closes it. A remembered
     * port that could not be opened at start is forgotten too.
     */
    public synchronized void remove(String name) throws ForwarderException {
        boolean running = forwarder.ports().stream().anyMatch(p -> p.name().equals(name));
        if (!running && !notOpened.containsKey(name)) {
            forwarder.port(name); // UNKNOWN_PORT, before anything changes
        }
        if (remembered.containsKey(name) || notOpened.containsKey(name)) {
            List<PortConfig> next = new ArrayList<>(remembered.values());
            next.removeIf(p -> p.name().equals(name));
            try {
                save(next, name);
            } catch (IOException e) {
                throw new ForwarderException("STATE_WRITE_FAILED", "port " + name + " was not removed: cannot save "
                        + store.file() + " (" + e.getMessage() + "), so a restart would bring it back; fix the"
                        + " state directory (stateDir) and try again", e);
            }
            remembered.remove(name);
            notOpened.remove(name);
            notOpenedAccess.remove(name);
        }
        if (running) {
            forwarder.removePort(name);
        }
    }

    /**
     * At a clean stop, before the ports close and their socket files go: records the access each server socket
     * has now (whoever added the port may have changed it since), so the next start gives it again.
     */
    public synchronized void recordSocketAccess() {
        if (remembered.isEmpty()) {
            return;
        }
        try {
            save(List.copyOf(remembered.values()));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot record the sockets' access in " + store.file() + ": "
                    + e.getMessage() + "; restored server sockets will have the default mode");
        }
    }

    private void save(List<PortConfig> running) throws IOException {
        save(running, null);
    }

    /** Writes {@code running} plus the ports kept from start (except {@code forget} and names now running). */
    private void save(List<PortConfig> running, String forget) throws IOException {
        List<PortConfig> ports = new ArrayList<>(running);
        Map<String, SocketAccess> access = new LinkedHashMap<>();
        for (PortConfig p : running) {
            SocketAccess a = currentAccess(p);
            if (a != null) {
                access.put(p.name(), a);
            }
        }
        for (PortConfig p : notOpened.values()) {
            if (!p.name().equals(forget) && running.stream().noneMatch(r -> r.name().equals(p.name()))) {
                ports.add(p);
                SocketAccess a = notOpenedAccess.get(p.name());
                if (a != null) {
                    access.put(p.name(), a);
                }
            }
        }
        store.save(ports, access);
    }

    /** A vhost-user server port's socket file (we create it); null for other ports. */
    private static Path ownSocket(PortConfig p) {
        return "vhost-user".equals(p.typeOrDefault()) && "server".equals(p.modeOrDefault()) ? Path.of(p.socket()) : null;
    }

    /** The access of the port's socket file, if it is a socket of the daemon's user (else null). */
    private SocketAccess currentAccess(PortConfig p) {
        Path socket = ownSocket(p);
        try {
            return socket == null ? null : SocketAccess.readOwned(socket, store.euid());
        } catch (IOException e) {
            return null;
        }
    }

    private static void giveAccess(PortConfig p, SocketAccess access) {
        Path socket = ownSocket(p);
        try {
            access.applyTo(socket);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "restored port " + p.name() + ": cannot give " + socket + " mode "
                    + Integer.toOctalString(access.mode()) + " and gid " + access.gid() + " as before the restart ("
                    + e.getMessage() + "): a front-end running as another user may be refused");
        }
    }
}
