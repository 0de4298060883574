package io.virtwire.vhostuser.backend;

import io.virtwire.linux.Fd;
import io.virtwire.linux.UnixSocket;
import io.virtwire.vhostuser.protocol.BackendRequest;
import io.virtwire.vhostuser.protocol.IotlbMsg;
import io.virtwire.vhostuser.protocol.MessageHeader;
import io.virtwire.vhostuser.transport.Connection;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The back-end's side of the channel SET_BACKEND_REQ_FD hands over: requests we send to the front-end. Used from
 * the session thread and from data-path threads (IOTLB misses), so sends are serialised here. We never ask for a
 * reply (NEED_REPLY clear): a data-path thread must not wait for the front-end, the translation arrives later as an
 * IOTLB_MSG update on the main socket.
 */
final class BackendChannel implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(BackendChannel.class.getName());

    private final Connection connection;
    private final String name;
    private boolean closed;
    private boolean failed;

    BackendChannel(Fd fd, String name) {
        this.connection = new Connection(UnixSocket.adopt(fd));
        this.name = name;
    }

    /** BACKEND_IOTLB_MSG of type MISS: the front-end answers with an IOTLB_MSG update (or nothing, if invalid). */
    synchronized void iotlbMiss(long iova, boolean write) {
        byte[] payload = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(iova).putLong(0).putLong(0)
                .put((byte) (write ? IotlbMsg.Permission.WRITE : IotlbMsg.Permission.READ).wire())
                .put((byte) IotlbMsg.Type.MISS.wire()).array();
        send(BackendRequest.IOTLB_MSG, payload);
    }

    private void send(BackendRequest request, byte[] payload) {
        if (closed || failed) {
            return;
        }
        try {
            connection.send(request.code(), MessageHeader.VERSION, payload);
        } catch (IOException e) {
            // the front-end went away or stopped reading; the main socket will tell the session
            failed = true;
            LOG.log(System.Logger.Level.WARNING, name + ": back-end request channel failed: " + e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            connection.close();
        }
    }
}
