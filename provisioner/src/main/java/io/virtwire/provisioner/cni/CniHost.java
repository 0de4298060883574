package io.virtwire.provisioner.cni;

import io.virtwire.provisioner.host.HostPaths;
import io.virtwire.provisioner.host.ProcessCommandRunner;
import io.virtwire.provisioner.host.profile.HostAccess;
import io.virtwire.provisioner.host.profile.SysfsHostActions;
import io.virtwire.provisioner.host.sim.SimulatedKernel;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import io.virtwire.provisioner.libvirt.LibvirtJavaConnector;
import io.virtwire.provisioner.state.StateStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Where the plugin works: the host (config {@code hostRoot}, else VIRTWIRE_HOST_ROOT, else /) and the state directory
 * with the record and its lock (config {@code stateDir}, else VIRTWIRE_STATE_DIR, else /var/lib/virtwire), the same
 * ones the {@code virtwire} CLI uses, so VMs and containers share one record. A host root other than / with a
 * commands/ directory is a fixture host driven by the {@link SimulatedKernel}, as for the CLI.
 */
record CniHost(HostAccess host, StateStore store, Duration lockTimeout, String libvirtUri) {

    /** The CLI's default: virsh's. */
    static final String DEFAULT_URI = "qemu:///system";

    /**
     * A connection to the libvirt that holds {@code pool}'s hostdev network: config {@code libvirtUri}, else
     * LIBVIRT_DEFAULT_URI, else qemu:///system, as {@code virtwire -c} defaults. Only a config with {@code pool} opens one.
     */
    LibvirtGateway libvirt() {
        return new LibvirtJavaConnector().open(libvirtUri);
    }

    static CniHost open(NetConf conf, Map<String, String> env) {
        Path root = Path.of(conf.hostRoot() != null ? conf.hostRoot() : env.getOrDefault("VIRTWIRE_HOST_ROOT", "/")).toAbsolutePath().normalize();
        Path state = Path.of(conf.stateDir() != null ? conf.stateDir() : env.getOrDefault("VIRTWIRE_STATE_DIR", "/var/lib/virtwire"));
        long seconds;
        try {
            seconds = Long.parseLong(env.getOrDefault("VIRTWIRE_LOCK_TIMEOUT", "120"));
        } catch (NumberFormatException e) {
            throw new CniError(CniError.INVALID_ENV, "VIRTWIRE_LOCK_TIMEOUT must be a number of seconds", null);
        }
        HostAccess host;
        if (root.getParent() == null) {
            HostPaths paths = new HostPaths(root);
            ProcessCommandRunner runner = new ProcessCommandRunner();
            host = new HostAccess(paths, runner, new SysfsHostActions(paths, runner));
        } else if (Files.isDirectory(root.resolve("commands"))) {
            SimulatedKernel kernel = new SimulatedKernel(root);
            host = new HostAccess(kernel.paths(), kernel, kernel);
        } else {
            throw new CniError(CniError.INVALID_CONFIG, "network configuration: hostRoot " + root + " is not a host tree", "omit it for this host (/)");
        }
        String uri = conf.libvirtUri() != null ? conf.libvirtUri() : env.getOrDefault("LIBVIRT_DEFAULT_URI", DEFAULT_URI);
        return new CniHost(host, new StateStore(state), Duration.ofSeconds(seconds), uri);
    }
}
