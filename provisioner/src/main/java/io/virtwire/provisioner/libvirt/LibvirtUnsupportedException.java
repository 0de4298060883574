package io.virtwire.provisioner.libvirt;

import io.virtwire.provisioner.VirtwireException;

/** The connected driver does not implement an operation (VIR_ERR_NO_SUPPORT), e.g. device attach on test:///. */
public final class LibvirtUnsupportedException extends VirtwireException {
    public LibvirtUnsupportedException(String message) {
        super(Kind.LIBVIRT, message);
    }
}
