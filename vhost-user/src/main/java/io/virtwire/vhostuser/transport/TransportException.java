package io.virtwire.vhostuser.transport;

import java.io.IOException;

/** The byte stream no longer carries well-formed vhost-user messages; the connection must be closed. */
public class TransportException extends IOException {
    public TransportException(String message) {
        super(message);
    }

    public TransportException(String message, Throwable cause) {
        super(message, cause);
    }
}
