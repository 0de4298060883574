package io.virtwire.provisioner.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.virtwire.provisioner.allocation.AllocationService;
import io.virtwire.provisioner.allocation.DetachEnsurer;
import io.virtwire.provisioner.demo.DemoHost;
import io.virtwire.provisioner.demo.SystemDemoHost;
import io.virtwire.provisioner.forwarder.ForwarderClient;
import io.virtwire.provisioner.host.profile.HostAccess;
import io.virtwire.provisioner.libvirt.LibvirtConnector;
import io.virtwire.provisioner.libvirt.LibvirtJavaConnector;
import io.virtwire.provisioner.nic.HostdevService;
import io.virtwire.provisioner.nic.InterfaceService;
import picocli.CommandLine;

/**
 * The CLI's composition root: builds the commands picocli asks for, and their collaborators, with plain constructors.
 *
 * <p>This replaced a Guice injector, which cost about 100 ms of every call (its own start-up and reflection over the
 * modules; docs/benchmarks.md) for a graph that never changes. The semantics are Guice's as it was configured: every
 * collaborator is made fresh where it is needed (nothing was scoped), except the JSON mapper (one per call, built on
 * first use) and what a test puts in through {@link Seams} (the same instance everywhere).
 *
 * <p><b>Adding a collaborator:</b> give it a constructor, and a line in {@link #make} for each command (or service)
 * that takes it; a command without constructor arguments needs nothing here (picocli's default factory makes it).
 * {@code WiringTest} builds every command of {@link Commands#all} through this class and fails on one whose
 * constructor takes arguments this class does not know. A collaborator that tests replace goes into {@link Seams}.
 */
public final class Wiring implements CommandLine.IFactory {

    /** What a test replaces, e.g. {@code s -> s.libvirt(uri -> gateway)}; production passes none. */
    @FunctionalInterface
    public interface Replacement {
        void apply(Seams seams);

        /** {@code overrides} in order: a later one wins where two replace the same collaborator. */
        static Replacement all(Replacement... overrides) {
            return seams -> {
                for (Replacement o : overrides) {
                    o.apply(seams);
                }
            };
        }
    }

    /** The collaborators tests replace: a non-null one is used everywhere instead of the production one. */
    public static final class Seams {
        private LibvirtConnector libvirt;
        private HostAccess.Factory hosts;
        private ForwarderClient forwarder;
        private DemoHost demoHost;

        public Seams libvirt(LibvirtConnector connector) {
            this.libvirt = connector;
            return this;
        }

        public Seams hosts(HostAccess.Factory factory) {
            this.hosts = factory;
            return this;
        }

        public Seams forwarder(ForwarderClient client) {
            this.forwarder = client;
            return this;
        }

        public Seams demoHost(DemoHost host) {
            this.demoHost = host;
            return this;
        }
    }

    private final CliIo io;
    private final Environment env;
    private final GlobalOptions globals;
    private final Seams seams = new Seams();
    private ObjectMapper json;

    Wiring(CliIo io, Environment env, GlobalOptions globals, Replacement... overrides) {
        this.io = io;
        this.env = env;
        this.globals = globals;
        for (Replacement o : overrides) {
            o.apply(seams);
        }
    }

    @Override
    public <K> K create(Class<K> type) throws Exception {
        Object made = make(type);
        // commands without collaborators, picocli's own classes (help), converters, mixins
        return made != null ? type.cast(made) : CommandLine.defaultFactory().create(type);
    }

    /** A class with collaborators, built; null for one this root does not wire (picocli's default factory makes it). */
    Object make(Class<?> type) {
        if (type == VirtwireCommand.class) {
            return new VirtwireCommand(globals);
        }
        if (type == VersionProvider.class) {
            return new VersionProvider(globals, this::json);
        }
        if (type == Output.class) {
            return output();
        }
        // device commands
        if (type == AttachInterfaceCommand.class) {
            return new AttachInterfaceCommand(deviceServices(), new InterfaceService(), forwarder());
        }
        if (type == DetachInterfaceCommand.class) {
            InterfaceService nics = new InterfaceService();
            return new DetachInterfaceCommand(deviceServices(), nics, new DetachEnsurer(nics));
        }
        if (type == AttachHostdevCommand.class) {
            return new AttachHostdevCommand(deviceServices(), new HostdevService());
        }
        if (type == DetachHostdevCommand.class) {
            return new DetachHostdevCommand(deviceServices(), new HostdevService());
        }
        if (type == VfListCommand.class) {
            return new VfListCommand(deviceServices());
        }
        if (type == DomIfListCommand.class) {
            return new DomIfListCommand(globals, libvirt(), output(), new InterfaceService());
        }
        if (type == DefineDomainCommand.class) {
            return new DefineDomainCommand(globals, libvirt(), output());
        }
        if (type == XmlCommand.Network.class) {
            return new XmlCommand.Network(output());
        }
        // host
        if (type == HostApplyCommand.class) {
            return new HostApplyCommand(globals, output(), hosts(), io);
        }
        if (type == HostPlanCommand.class) {
            return new HostPlanCommand(globals, output(), hosts(), io);
        }
        if (type == HostShowCommand.class) {
            return new HostShowCommand(globals, output(), hosts());
        }
        if (type == HostDoctorCommand.class) {
            return new HostDoctorCommand(globals, output(), hosts());
        }
        if (type == HostFixtureCommand.class) {
            return new HostFixtureCommand(output());
        }
        if (type == HostFixtureCommand.ListCommand.class) {
            return new HostFixtureCommand.ListCommand(output());
        }
        if (type == VhostUserCommand.ProbeCommand.class) {
            return new VhostUserCommand.ProbeCommand(output());
        }
        // hook, watch, demo
        if (type == HookInstallCommand.class) {
            return new HookInstallCommand(globals, output());
        }
        if (type == HookUninstallCommand.class) {
            return new HookUninstallCommand(output());
        }
        if (type == HookQemuCommand.class) {
            return new HookQemuCommand(globals, hosts(), forwarder(), io);
        }
        if (type == WatchCommand.class) {
            return new WatchCommand(globals, hosts(), libvirt(), output(), io);
        }
        if (type == DemoCommand.class) {
            return new DemoCommand(io, env, libvirt(), globals, output(), demoHost());
        }
        // forwarder
        if (type == ForwarderHealthCommand.class) {
            return new ForwarderHealthCommand(forwarderControls(), output());
        }
        if (type == ForwarderMacsCommand.class) {
            return new ForwarderMacsCommand(forwarderControls(), output());
        }
        if (type == ForwarderPortAddCommand.class) {
            return new ForwarderPortAddCommand(forwarderControls(), output());
        }
        if (type == ForwarderPortDelCommand.class) {
            return new ForwarderPortDelCommand(forwarderControls(), output());
        }
        if (type == ForwarderPortListCommand.class) {
            return new ForwarderPortListCommand(forwarderControls(), output());
        }
        if (type == ForwarderStatsCommand.class) {
            return new ForwarderStatsCommand(forwarderControls(), output(), globals);
        }
        return null;
    }

    /** The output of this call (stdout, text or JSON). */
    Output output() {
        return new Output(io, globals, this::json);
    }

    private DeviceCommand.Services deviceServices() {
        return new DeviceCommand.Services(globals, libvirt(), output(),
                new AllocationService(new InterfaceService(), new HostdevService()),
                new LifecycleContexts(globals, hosts(), forwarder()));
    }

    private LibvirtConnector libvirt() {
        return seams.libvirt != null ? seams.libvirt : new LibvirtJavaConnector();
    }

    private HostAccess.Factory hosts() {
        return seams.hosts != null ? seams.hosts : new DefaultHostAccessFactory();
    }

    /** The forwarder's control socket when it exists, else "forwarder not configured" in the notes. */
    private ForwarderClient forwarder() {
        return seams.forwarder != null ? seams.forwarder : new SelectedForwarderClient(globals, forwarderControls());
    }

    private ForwarderControlFactory forwarderControls() {
        return new ForwarderControlFactory(globals);
    }

    /** What 'virtwire demo' checks before choosing the real demo (tests put in a fake host). */
    private DemoHost demoHost() {
        return seams.demoHost != null ? seams.demoHost : new SystemDemoHost(libvirt());
    }

    /** One JSON mapper per call, built on first use: a text call does not pay for it. */
    private synchronized ObjectMapper json() {
        if (json == null) {
            json = JsonMapper.builder()
                    .enable(SerializationFeature.INDENT_OUTPUT)
                    .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                    .findAndAddModules()
                    .build();
        }
        return json;
    }
}
