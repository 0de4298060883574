package io.virtwire.forwarder.app;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.virtwire.forwarder.config.ForwarderConfig;
import io.virtwire.forwarder.control.AccessPolicy;
import io.virtwire.forwarder.control.ControlHandler;
import io.virtwire.forwarder.control.SocketPathPolicy;
import io.virtwire.forwarder.engine.Forwarder;
import io.virtwire.forwarder.engine.ForwarderException;
import io.virtwire.forwarder.engine.PortFactory;
import io.virtwire.forwarder.state.Heartbeat;
import io.virtwire.forwarder.state.PortStore;
import io.virtwire.forwarder.state.RememberedPorts;
import io.virtwire.forwarder.state.StateDir;
import io.virtwire.linux.ErrnoException;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Wires the daemon from its config: the forwarder, the port factory, the control handler and access policy. */
public final class ForwarderModule extends AbstractModule {

    private final ForwarderConfig config;

    public ForwarderModule(ForwarderConfig config) {
        this.config = config;
    }

    @Override
    protected void configure() {
        bind(ForwarderConfig.class).toInstance(config);
        bind(PortFactory.class).toInstance(new PortFactory());
    }

    /** Checked and locked before anything else opens (the forwarder reads the heartbeat in it). */
    @Provides
    @Singleton
    StateDir stateDir() throws IOException, ForwarderException {
        return StateDir.open(Path.of(config.stateDir() == null ? StateDir.DEFAULT : config.stateDir()),
                Path.of(config.control() == null ? ForwarderConfig.DEFAULT_CONTROL : config.control()));
    }

    @Provides
    @Singleton
    Heartbeat heartbeat(StateDir stateDir) {
        return new Heartbeat(stateDir);
    }

    @Provides
    @Singleton
    Forwarder forwarder(PortFactory factory, Heartbeat heartbeat) throws ErrnoException {
        return new Forwarder(config.isCrossConnect() ? Forwarder.Mode.XCONNECT : Forwarder.Mode.SWITCH,
                config.workersOrDefault(),
                config.workerCpus() == null ? List.of() : config.workerCpus(),
                Duration.ofSeconds(config.macAgingSecondsOrDefault()), factory, heartbeat.previous());
    }

    @Provides
    @Singleton
    PortStore portStore(StateDir stateDir) {
        return new PortStore(stateDir);
    }

    @Provides
    @Singleton
    RememberedPorts rememberedPorts(Forwarder forwarder, PortStore store, StateDir stateDir) {
        return new RememberedPorts(forwarder, store, stateDir);
    }

    @Provides
    @Singleton
    ControlHandler controlHandler(Forwarder forwarder, RememberedPorts remembered) {
        return new ControlHandler(forwarder, remembered, SocketPathPolicy.of(config));
    }

    @Provides
    @Singleton
    AccessPolicy accessPolicy() throws IOException {
        return AccessPolicy.forGroup(config.controlGroup());
    }
}
