package io.virtwire.provisioner.host.profile;

import io.virtwire.provisioner.VirtwireException;

/** A host write the kernel refused; errno is the symbolic name ("EBUSY", "ERANGE", "ENOMEM", ...). */
public class HostActionException extends VirtwireException {

    private final String errno;

    public HostActionException(String errno, String message) {
        super(Kind.HOST, message);
        this.errno = errno;
    }

    public String errno() {
        return errno;
    }
}
