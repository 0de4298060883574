package io.virtwire.provisioner.cli;

import com.google.inject.AbstractModule;
import com.google.inject.Module;
import io.virtwire.provisioner.libvirt.DeviceScope;
import io.virtwire.provisioner.libvirt.DomainState;
import io.virtwire.provisioner.libvirt.LibvirtConnector;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import io.virtwire.provisioner.libvirt.LibvirtJavaGateway;
import java.util.List;

/**
 * One real test:///default connection for a chain of CLI invocations. (test:///default's state is shared by
 * every connection in a process and dies with the process; sharing the connection also keeps a test from
 * paying for a new connection per command.)
 */
final class SharedTestConnection implements AutoCloseable {

    private final LibvirtGateway gateway = LibvirtJavaGateway.open("test:///default");

    Module module() {
        return new AbstractModule() {
            @Override
            protected void configure() {
                bind(LibvirtConnector.class).toInstance(uri -> new Unclosable(gateway));
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

    /** Lets each command "close" its gateway without ending the shared connection. */
    private record Unclosable(LibvirtGateway g) implements LibvirtGateway {
        public String uri() {
            return g.uri();
        }

        public DomainState domain(String name) {
            return g.domain(name);
        }

        public List<String> domainNames() {
            return g.domainNames();
        }

        public String domainXml(String name, boolean inactive) {
            return g.domainXml(name, inactive);
        }

        public String defineDomain(String xml) {
            return g.defineDomain(xml);
        }

        public void attachDevice(String domain, String deviceXml, DeviceScope scope) {
            g.attachDevice(domain, deviceXml, scope);
        }

        public void detachDevice(String domain, String deviceXml, DeviceScope scope) {
            g.detachDevice(domain, deviceXml, scope);
        }

        public void start(String domain) {
            g.start(domain);
        }

        public void destroy(String domain) {
            g.destroy(domain);
        }

        public void undefine(String domain) {
            g.undefine(domain);
        }

        public String defineNetwork(String xml) {
            return g.defineNetwork(xml);
        }

        public String networkXml(String name) {
            return g.networkXml(name);
        }

        public void close() {
        }
    }
}
