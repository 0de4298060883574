package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.libvirt.ForwardingGateway;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import io.virtwire.provisioner.libvirt.LibvirtJavaGateway;

/**
 * One real test:///default connection for a chain of CLI invocations. (test:///default's state is shared by
 * every connection in a process and dies with the last one; sharing the connection also keeps a test from
 * paying for a new connection per command.)
 */
final class SharedTestConnection implements AutoCloseable {

    private final LibvirtGateway gateway = LibvirtJavaGateway.open("test:///default");

    Wiring.Replacement module() {
        // ForwardingGateway ignores close(): each command "closes" its gateway without ending the shared connection
        return s -> s.libvirt(uri -> new ForwardingGateway(gateway));
    }

    /**
     * A CLI wiring in which every invocation opens its own test:///default connection and closes it when done, as
     * the real CLI does with its URI: commands on several threads then use separate connections (libvirt lets threads
     * use separate connections at once), on the driver state this shared connection keeps alive.
     */
    Wiring.Replacement perInvocationModule() {
        return s -> s.libvirt(uri -> LibvirtJavaGateway.open("test:///default"));
    }

    /**
     * Destroys and undefines every domain but the driver's own "test". test:///default lives as long as any connection
     * in this JVM: drop domains earlier tests left behind, since allocation reads every domain on the connection and
     * a fixture's VFs would look taken.
     */
    void dropLeftoverDomains() {
        for (String left : gateway.domainNames()) {
            if (!left.equals("test")) {
                if (gateway.domain(left).active()) {
                    gateway.destroy(left);
                }
                if (gateway.domain(left).persistent()) {
                    gateway.undefine(left);
                }
            }
        }
    }

    /** A connection on which {@link #dropLeftoverDomains()} has run. */
    static SharedTestConnection withoutLeftovers() {
        SharedTestConnection c = new SharedTestConnection();
        c.dropLeftoverDomains();
        return c;
    }

    /** Undefines those of {@code domains} that exist (a test's own), then closes. */
    void undefineAndClose(java.util.Collection<String> domains) {
        for (String d : domains) {
            if (gateway.domainNames().contains(d)) {
                gateway.undefine(d);
            }
        }
        close();
    }

    LibvirtGateway gateway() {
        return gateway;
    }

    @Override
    public void close() {
        gateway.close();
    }
}
