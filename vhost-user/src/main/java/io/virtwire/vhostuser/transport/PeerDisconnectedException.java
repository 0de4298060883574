package io.virtwire.vhostuser.transport;

/**
 * The other side closed or reset the connection (end of stream, ECONNRESET, EPIPE). For a backend this is the
 * normal end of a session and, in client mode, the cue to reconnect.
 */
public final class PeerDisconnectedException extends TransportException {
    public PeerDisconnectedException(String message) {
        super(message);
    }

    public PeerDisconnectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
