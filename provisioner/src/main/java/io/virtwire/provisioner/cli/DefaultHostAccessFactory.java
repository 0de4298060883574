package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.host.HostPaths;
import io.virtwire.provisioner.model.PciAddress;
import io.virtwire.provisioner.host.ProcessCommandRunner;
import io.virtwire.provisioner.host.RecordedCommandRunner;
import io.virtwire.provisioner.host.profile.HostAccess;
import io.virtwire.provisioner.host.profile.HostActions;
import io.virtwire.provisioner.host.profile.SysfsHostActions;
import io.virtwire.provisioner.host.sim.SimulatedKernel;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * "/" is the real host: real tools, real writes. Any other root is a host tree: with recorded command outputs
 * (a commands/ directory, as fixture hosts have) it is driven by the {@link SimulatedKernel}, so plan/apply work
 * on it and later invocations see the changes; without one it is a read-only snapshot.
 */
final class DefaultHostAccessFactory implements HostAccess.Factory {

    @Override
    public HostAccess open(Path root) {
        Path abs = root.toAbsolutePath().normalize();
        if (abs.getParent() == null) {
            HostPaths paths = new HostPaths(abs);
            ProcessCommandRunner runner = new ProcessCommandRunner();
            return new HostAccess(paths, runner, new SysfsHostActions(paths, runner));
        }
        if (!Files.isDirectory(abs)) {
            throw VirtwireException.notFound("--host-root " + root + " is not a directory");
        }
        if (Files.isDirectory(abs.resolve("commands"))) {
            SimulatedKernel kernel = new SimulatedKernel(abs);
            return new HostAccess(kernel.paths(), kernel, kernel);
        }
        return new HostAccess(new HostPaths(abs), new RecordedCommandRunner(abs.resolve("commands")), readOnly(abs));
    }

    private static HostActions readOnly(Path root) {
        return (HostActions) Proxy.newProxyInstance(HostActions.class.getClassLoader(), new Class<?>[] {HostActions.class}, (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return method.invoke(root, args);
            }
            throw new VirtwireException(VirtwireException.Kind.HOST, "the host at " + root + " is a read-only snapshot (no commands/ directory): cannot "
                    + method.getName() + (args != null && args.length > 0 && args[0] instanceof PciAddress a ? " on " + a : ""));
        });
    }
}
