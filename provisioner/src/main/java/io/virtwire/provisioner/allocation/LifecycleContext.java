package io.virtwire.provisioner.allocation;

import io.virtwire.provisioner.forwarder.ForwarderClient;
import io.virtwire.provisioner.host.profile.HostAccess;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import io.virtwire.provisioner.state.StateStore;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What one allocation run works on.
 *
 * @param socketDir   where vhost-user sockets are allocated (/run/virtwire)
 * @param lockTimeout how long to wait for a concurrent invocation
 */
public record LifecycleContext(LibvirtGateway gateway, HostAccess host, StateStore store, ForwarderClient forwarder, Path socketDir,
                               Duration lockTimeout) {

    public Reconciler reconciler() {
        return new Reconciler(host.actions(), forwarder, socketDir);
    }
}
