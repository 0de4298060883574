package io.virtwire.forwarder.app;

import com.google.inject.CreationException;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.ProvisionException;
import io.virtwire.forwarder.config.ForwarderConfig;
import io.virtwire.forwarder.config.PortConfig;
import io.virtwire.forwarder.control.AccessPolicy;
import io.virtwire.forwarder.control.ControlHandler;
import io.virtwire.forwarder.control.ControlLimits;
import io.virtwire.forwarder.control.ControlServer;
import io.virtwire.forwarder.engine.Forwarder;
import io.virtwire.forwarder.state.Heartbeat;
import io.virtwire.forwarder.state.RememberedPorts;
import io.virtwire.forwarder.state.StateDir;
import io.virtwire.forwarder.telemetry.MetricsEndpoint;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/** The running daemon: the forwarder with the config's and the remembered ports, the control socket, and the heartbeat. */
public final class Daemon implements AutoCloseable {

    private final Forwarder forwarder;
    private final RememberedPorts remembered;
    private final ControlServer control;
    private final Heartbeat heartbeat;
    private final StateDir stateDir;
    private final Thread beater;
    /** The Prometheus endpoint, or null when the config has no {@code metrics}. */
    private final MetricsEndpoint metrics;
    private volatile boolean closed;

    private Daemon(Forwarder forwarder, RememberedPorts remembered, ControlServer control, Heartbeat heartbeat,
                   StateDir stateDir, MetricsEndpoint metrics) {
        this.forwarder = forwarder;
        this.metrics = metrics;
        this.remembered = remembered;
        this.control = control;
        this.heartbeat = heartbeat;
        this.stateDir = stateDir;
        this.beater = Thread.ofPlatform().name("vw-heartbeat").daemon(true).start(this::beat);
    }

    /**
     * Opens every configured port, then the ports added over the control socket before a restart
     * ({@link RememberedPorts}), then the control socket; on any failure closes what it opened and throws.
     */
    public static Daemon start(ForwarderConfig config) throws Exception {
        Injector injector;
        Forwarder forwarder;
        StateDir stateDir;
        try {
            injector = Guice.createInjector(new ForwarderModule(config.validated()));
            // first: a second forwarder on this stateDir, or an unsafe one, is refused before anything opens
            stateDir = injector.getInstance(StateDir.class);
        } catch (ProvisionException | CreationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw cause instanceof Exception ex ? ex : e;
        }
        try {
            forwarder = injector.getInstance(Forwarder.class);
        } catch (ProvisionException | CreationException e) {
            stateDir.close();
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw cause instanceof Exception ex ? ex : e;
        }
        Path controlPath = Path.of(config.control() == null ? ForwarderConfig.DEFAULT_CONTROL : config.control());
        ControlServer control = null;
        MetricsEndpoint metrics = null;
        try {
            ControlServer.checkNotServed(controlPath);
            Set<String> configNames = new HashSet<>();
            for (PortConfig p : config.portsOrEmpty()) {
                forwarder.addPort(p);
                configNames.add(p.name());
            }
            // after the config's ports: those win a name clash
            RememberedPorts remembered = injector.getInstance(RememberedPorts.class);
            remembered.restore(configNames);
            AccessPolicy policy;
            try {
                policy = injector.getInstance(AccessPolicy.class);
            } catch (ProvisionException e) {
                throw e.getCause() instanceof Exception ex ? ex : e;
            }
            control = ControlServer.start(controlPath, injector.getInstance(ControlHandler.class), policy,
                    ControlLimits.of(config));
            if (config.metrics() != null) {
                metrics = MetricsEndpoint.start(config.metrics(), forwarder);
            }
            return new Daemon(forwarder, remembered, control, injector.getInstance(Heartbeat.class), stateDir, metrics);
        } catch (Exception | Error e) {
            if (metrics != null) {
                metrics.close();
            }
            if (control != null) {
                control.close();
            }
            forwarder.close();
            stateDir.close();
            throw e;
        }
    }

    public Forwarder forwarder() {
        return forwarder;
    }

    /** The metrics endpoint, or null when the config has none. */
    public MetricsEndpoint metrics() {
        return metrics;
    }

    public Path controlPath() {
        return control.path();
    }

    private void beat() {
        while (!closed) {
            // a deleted state directory is re-created and the state written again; a replaced one is reported
            if (stateDir.watch()) {
                remembered.rewrite();
            }
            heartbeat.beat(System.currentTimeMillis());
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        beater.interrupt();
        try {
            beater.join(5000); // no beat after the clear below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (metrics != null) {
            metrics.close();
        }
        control.close();
        remembered.recordSocketAccess();
        forwarder.close();
        heartbeat.clear();
        stateDir.close();
    }
}
