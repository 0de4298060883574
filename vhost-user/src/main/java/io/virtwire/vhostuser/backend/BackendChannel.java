package io.virtwire.vhostuser.backend;

import io.virtwire.linux.ErrnoException;
import io.virtwire.linux.Fd;
import io.virtwire.linux.UnixSocket;
import io.virtwire.vhostuser.protocol.BackendRequest;
import io.virtwire.vhostuser.protocol.IotlbMsg;
import io.virtwire.vhostuser.protocol.MessageHeader;
import io.virtwire.vhostuser.transport.Connection;
import io.virtwire.vhostuser.transport.PeerDisconnectedException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * The back-end's side of the channel SET_BACKEND_REQ_FD hands over: requests we send to the front-end. We never
 * ask for a reply (NEED_REPLY clear): the translation for an IOTLB miss arrives later as an IOTLB_MSG update on the
 * main socket.
 *
 * <p>Requests come from the session thread and from data-path threads (IOTLB misses), and neither may block on
 * this socket: QEMU reads it on its main loop, which may itself be waiting for our answer to an IOTLB_MSG while the
 * session waits for a data-path thread to let go of a ring, so a thread blocked here on a full socket would close
 * that circle. Requests therefore go into a bounded queue that one sender thread drains with blocking sends (whole
 * messages, never torn); when the queue is full a request is dropped and counted, and the queue that missed asks
 * again once it is rebuilt (after the next IOTLB_MSG).
 */
final class BackendChannel implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(BackendChannel.class.getName());
    private static final int QUEUE_CAPACITY = 1024;

    private record Request(BackendRequest request, byte[] payload) {
    }

    private final Connection connection;
    private final String name;
    private final ArrayBlockingQueue<Request> pending = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final Thread sender;
    private volatile boolean closed;
    private volatile boolean failed;
    /** Requests dropped because the queue was full; logged on the first and every 10000th. */
    private long dropped;

    BackendChannel(Fd fd, String name) {
        this.name = name;
        this.connection = new Connection(UnixSocket.adopt(fd));
        this.sender = Thread.ofPlatform().daemon().name("vhost-user backend requests " + name).start(this::drain);
    }

    /** BACKEND_IOTLB_MSG of type MISS: the front-end answers with an IOTLB_MSG update (or nothing, if invalid). */
    void iotlbMiss(long iova, boolean write) {
        byte[] payload = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(iova).putLong(0).putLong(0)
                .put((byte) (write ? IotlbMsg.Permission.WRITE : IotlbMsg.Permission.READ).wire())
                .put((byte) IotlbMsg.Type.MISS.wire()).array();
        enqueue(new Request(BackendRequest.IOTLB_MSG, payload));
    }

    private void enqueue(Request r) {
        if (closed || failed) {
            return;
        }
        if (!pending.offer(r)) {
            long n;
            synchronized (this) {
                n = ++dropped;
            }
            if (n % 10_000 == 1) {
                LOG.log(System.Logger.Level.WARNING, name + ": " + r.request().specName() + " dropped (" + n
                        + " so far): the front-end is not reading its back-end request channel");
            }
        }
    }

    private void drain() {
        try {
            while (!closed) {
                Request r = pending.take();
                connection.send(r.request().code(), MessageHeader.VERSION, r.payload());
            }
        } catch (InterruptedException e) {
            // closed
        } catch (PeerDisconnectedException e) {
            failed = true; // the front-end went away; the main socket will tell the session
        } catch (IOException e) {
            failed = true;
            if (!closed) {
                LOG.log(System.Logger.Level.WARNING, name + ": back-end request channel failed: " + e.getMessage());
            }
        }
    }

    synchronized long dropped() {
        return dropped;
    }

    /** Requests waiting for the sender thread (tests). */
    int queued() {
        return pending.size();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            connection.shutdown(); // wakes a send blocked on a front-end that stopped reading
        } catch (ErrnoException e) {
            // not connected any more
        }
        sender.interrupt();
        try {
            sender.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        connection.close();
    }
}
