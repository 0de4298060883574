package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.libvirt.DeviceScope;
import picocli.CommandLine.Option;

/**
 * virsh's --config/--live/--current, mapped 1:1 to VIR_DOMAIN_AFFECT_*, and --persistent as virsh means it for
 * attach/detach-interface: the persistent definition, and the running domain too when it runs.
 */
public final class ScopeOptions {

    @Option(names = "--config", description = "change the persistent definition")
    boolean config;

    @Option(names = "--persistent", description = "as virsh: change the persistent definition and, if the domain runs, the running domain too")
    boolean persistent;

    @Option(names = "--live", description = "change the running domain")
    boolean live;

    @Option(names = "--current", description = "change the running domain if it runs, else the persistent definition (default)")
    boolean current;

    public DeviceScope scope() {
        if (persistent && current) {
            throw VirtwireException.invalid("--persistent cannot be combined with --current (as in virsh): --persistent changes the"
                    + " persistent definition and the running domain if it runs; --current only one of them");
        }
        DeviceScope scope = DeviceScope.of(config, live, current);
        return persistent ? scope.withLiveIfRunning() : scope;
    }

    boolean anyGiven() {
        return config || live || current || persistent;
    }
}
