package io.virtwire.provisioner.libvirt;

public final class LibvirtJavaConnector implements LibvirtConnector {
    @Override
    public LibvirtGateway open(String uri) {
        return LibvirtJavaGateway.open(uri);
    }
}
