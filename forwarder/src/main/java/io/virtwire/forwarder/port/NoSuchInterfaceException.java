package io.virtwire.forwarder.port;

import java.io.IOException;

/** A port names a host interface that does not exist. */
public final class NoSuchInterfaceException extends IOException {
    public NoSuchInterfaceException(String message) {
        super(message);
    }
}
