package io.virtwire.forwarder.app;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.virtwire.forwarder.config.ForwarderConfig;
import io.virtwire.forwarder.control.AccessPolicy;
import io.virtwire.forwarder.control.ControlHandler;
import io.virtwire.forwarder.control.SocketPathPolicy;
import io.virtwire.forwarder.port.PortFactory;
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

    @Provides
    @Singleton
    Heartbeat heartbeat() {
        return new Heartbeat(stateDir());
    }

    private Path stateDir() {
        return Path.of(config.stateDir() == null ? "/run/virtwire" : config.stateDir());
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
    PortStore portStore() {
        return new PortStore(stateDir());
    }

    @Provides
    @Singleton
    RememberedPorts rememberedPorts(Forwarder forwarder, PortStore store) {
        return new RememberedPorts(forwarder, store);
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
