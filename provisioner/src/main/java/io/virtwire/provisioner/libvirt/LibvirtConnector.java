package io.virtwire.provisioner.libvirt;

/** Opens gateways; the CLI opens one per invocation, tests substitute their own. */
public interface LibvirtConnector {
    LibvirtGateway open(String uri);
}
