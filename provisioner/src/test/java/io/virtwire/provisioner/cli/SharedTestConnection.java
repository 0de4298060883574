package io.virtwire.provisioner.cli;

import com.google.inject.AbstractModule;
import com.google.inject.Module;
import io.virtwire.provisioner.libvirt.ForwardingGateway;
import io.virtwire.provisioner.libvirt.LibvirtConnector;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import io.virtwire.provisioner.libvirt.LibvirtJavaGateway;

/**
 * One real test:///default connection for a chain of CLI invocations. (test:///default's state is shared by
 * every connection in a process and dies with the last one; sharing the connection also keeps a test from
 * paying for a new connection per command.)
 */
final class SharedTestConnection implements AutoCloseable {

    private final LibvirtGateway gateway = LibvirtJavaGateway.open("test:///default");

    Module module() {
        return new AbstractModule() {
            @Override
            protected void configure() {
                // ForwardingGateway ignores close(): each command "closes" its gateway without ending the shared connection
                bind(LibvirtConnector.class).toInstance(uri -> new ForwardingGateway(gateway));
            }
        };
    }

    LibvirtGateway gateway() {
        return gateway;
    }

    @Override
    public void close() {
        gateway.close();
    }
}
