package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.libvirt.DeviceScope;
import picocli.CommandLine.Option;

/** virsh's --config/--live/--current, mapped 1:1 to VIR_DOMAIN_AFFECT_*. */
public final class ScopeOptions {

    @Option(names = {"--config", "--persistent"}, description = "change the persistent definition")
    boolean config;

    @Option(names = "--live", description = "change the running domain")
    boolean live;

    @Option(names = "--current", description = "change the running domain if it runs, else the persistent definition (default)")
    boolean current;

    public DeviceScope scope() {
        return DeviceScope.of(config, live, current);
    }

    boolean anyGiven() {
        return config || live || current;
    }
}
