package io.virtwire.vhostuser.backend;

import io.virtwire.linux.ErrnoException;
import io.virtwire.linux.Fd;
import io.virtwire.memory.GuestMemory;
import io.virtwire.virtio.queue.RingLayout;
import io.virtwire.vhostuser.protocol.FrontendMessage;
import io.virtwire.vhostuser.protocol.FrontendRequest;
import io.virtwire.vhostuser.protocol.MessageCodec;
import io.virtwire.vhostuser.protocol.MessageHeader;
import io.virtwire.vhostuser.protocol.ProtocolException;
import io.virtwire.vhostuser.protocol.ProtocolFeatures;
import io.virtwire.vhostuser.protocol.ReplyPolicy;
import io.virtwire.vhostuser.transport.Connection;
import io.virtwire.vhostuser.transport.PeerDisconnectedException;
import io.virtwire.vhostuser.transport.RawMessage;
import io.virtwire.vhostuser.transport.ReceivedFds;

import java.io.IOException;
import java.util.Optional;

/**
 * One vhost-user connection, back-end side: the loop that reads the front-end's requests and answers them, in
 * front of a {@link RequestDispatcher} that applies them to a {@link VhostUserDevice}.
 *
 * <p>Per message, in this order (design doc 6.4): decode and validate with {@link MessageCodec} (every rule of
 * the {@link FrontendRequest} table: size, fds, flags, negotiated feature, queue index); let the dispatcher pause
 * the rings the request affects, apply it, and start the rings that are ready; answer once, as {@link ReplyPolicy}
 * decides. Received fds stay owned by the message's {@link ReceivedFds} and are closed before the answer goes out
 * unless a handler took them.
 *
 * <p>Failures: a message that breaks a protocol rule, or that cannot be applied, is answered with a failed
 * REPLY_ACK when the front-end asked for one and REPLY_ACK is negotiated, and the session goes on; when the
 * front-end cannot be told (no ack, or a request with its own reply), the session ends and closes the connection.
 * Nothing here throws past {@link #run()}: a session never takes its process or other sessions down.
 */
public final class BackendSession implements Runnable, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(BackendSession.class.getName());

    /** The protocol features this back-end implements; a device's wish list is intersected with it. */
    public static final long SUPPORTED_PROTOCOL_FEATURES = FeatureNegotiation.SUPPORTED_PROTOCOL_FEATURES;

    /** What GET_MAX_MEM_SLOTS answers (see {@link SessionMemory#MAX_MEM_SLOTS} for why 509). */
    public static final int MAX_MEM_SLOTS = SessionMemory.MAX_MEM_SLOTS;

    private final Connection connection;
    private final String name;
    private final RequestDispatcher dispatcher;
    /** Rate-limited, shared with the other sessions of the same socket (a front-end failing in a loop). */
    private final SessionLog sessionLog;
    private volatile String endReason;
    private boolean closed;

    /**
     * @param connection the connected socket; the session owns and closes it
     * @param device     the device; one session at a time may drive it
     * @param name       for log messages (e.g. the socket path)
     */
    public BackendSession(Connection connection, VhostUserDevice device, String name) {
        this(connection, device, name, new SessionLog(LOG));
    }

    /** @param log where this session logs; {@link BackendServer} passes one per socket, rate limited over sessions */
    public BackendSession(Connection connection, VhostUserDevice device, String name, SessionLog log) {
        int numQueues = device.numQueues();
        if (numQueues < 1 || numQueues > 256) {
            throw new IllegalArgumentException("device has " + numQueues + " vrings, expected 1..256");
        }
        if (device.maxQueueSize() < 1 || device.maxQueueSize() > RingLayout.MAX_QUEUE_SIZE) {
            throw new IllegalArgumentException("device max queue size " + device.maxQueueSize() + " is outside 1..32768");
        }
        this.sessionLog = log;
        this.connection = connection;
        this.name = name;
        this.dispatcher = new RequestDispatcher(device, log, name);
    }

    // ------------------------------------------------------------------------------------------ lifecycle

    /** Serves messages until the front-end disconnects or a fatal error; then releases everything. */
    @Override
    public void run() {
        try {
            while (true) {
                RawMessage raw = connection.receive();
                if (!handle(raw)) {
                    break;
                }
            }
        } catch (PeerDisconnectedException e) {
            end("front-end disconnected: " + e.getMessage());
        } catch (IOException e) {
            end("connection failed: " + e.getMessage());
        } catch (RuntimeException | Error e) {
            // a bug of ours or the device's; this session ends, the process and other sessions go on
            end("internal error: " + e);
            sessionLog.log(System.Logger.Level.ERROR, name + ": session failed", e);
        } finally {
            close();
        }
    }

    /**
     * Whether at least one ring started during this session (a guest's link came up). A session that ends without
     * is a failed one to {@link BackendServer}, which backs off before serving the next.
     */
    public boolean startedRings() {
        return dispatcher.rings().everStarted();
    }

    /** Why the session ended, or null while it runs. */
    public String endReason() {
        return endReason;
    }

    private void end(String reason) {
        if (endReason == null) {
            endReason = reason;
            sessionLog.log(System.Logger.Level.INFO, name + ": session ends: " + reason);
        }
    }

    /** Wakes {@link #run()} from another thread; it then cleans up and returns. */
    public synchronized void shutdown() {
        if (closed) {
            return;
        }
        end("shut down");
        try {
            connection.shutdown();
        } catch (ErrnoException e) {
            // already disconnected
        }
    }

    /**
     * Stops every ring, tells the device, and releases the connection, mappings and fds. Called by {@link #run()}
     * on its way out; call it directly only for a session that was never run.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        end("closed");
        try {
            dispatcher.close();
        } finally {
            connection.close();
        }
    }

    // ------------------------------------------------------------------------------------------ state (for tests, probes)

    public long ackedFeatures() {
        return dispatcher.features().acked();
    }

    public long ackedProtocolFeatures() {
        return dispatcher.features().ackedProtocol();
    }

    public boolean isOwned() {
        return dispatcher.isOwned();
    }

    public GuestMemory memory() {
        return dispatcher.memory();
    }

    /** Whether ring {@code index} is started (handed to the device). Session thread only, or after it ended. */
    public boolean isStarted(int index) {
        return dispatcher.rings().isStarted(index);
    }

    // ------------------------------------------------------------------------------------------ one message

    /**
     * Handles one received message (and closes its fds unless taken).
     *
     * @return false if the connection must be closed
     */
    boolean handle(RawMessage raw) throws IOException {
        MessageHeader header = new MessageHeader(Integer.toUnsignedLong(raw.request()), raw.flags(), raw.size());
        try (raw) {
            FrontendMessage message;
            try {
                message = MessageCodec.decode(header, raw.payload(), raw.fds().count(),
                        dispatcher.features().ackedProtocol(), dispatcher.rings().count());
            } catch (ProtocolException e) {
                raw.close(); // refused fds are closed before the front-end hears of it
                return rejected(header, e);
            }
            HandlerResult result = dispatcher.apply(message, raw.fds());
            raw.close(); // fds not taken are closed before the front-end hears the outcome
            return answer(message.request(), header, result);
        }
    }

    private ProtocolFeatures ackedProtocol() {
        return new ProtocolFeatures(dispatcher.features().ackedProtocol());
    }

    private boolean rejected(MessageHeader header, ProtocolException e) throws IOException {
        Optional<FrontendRequest> request = e.request();
        sessionLog.log(System.Logger.Level.WARNING, name + ": rejected " + e.getMessage());
        if (request.isPresent() && ReplyPolicy.decide(request.get(), header, ackedProtocol()) == ReplyPolicy.Decision.ACK) {
            send(MessageCodec.encodeAck(request.get(), false));
            return true;
        }
        if (request.isPresent() && request.get() == FrontendRequest.IOTLB_MSG) {
            // its own reply is a status: a malformed IOTLB message can be refused without ending the session
            send(MessageCodec.encodeReplyU64(FrontendRequest.IOTLB_MSG, 1));
            return true;
        }
        end("rejected " + e.getMessage() + "; the front-end cannot be told, closing the connection");
        return false;
    }

    private boolean answer(FrontendRequest request, MessageHeader header, HandlerResult result) throws IOException {
        if (!result.ok()) {
            sessionLog.log(System.Logger.Level.WARNING, name + ": " + request + " failed: " + result.error());
        }
        try (Fd fd = result.replyFd()) {
            switch (ReplyPolicy.decide(request, header, ackedProtocol())) {
                case NONE -> {
                    if (!result.ok()) {
                        end(request + " failed (" + result.error() + ") and the front-end asked for no ack; closing");
                        return false;
                    }
                }
                case ACK -> send(MessageCodec.encodeAck(request, result.ok()));
                case OWN_REPLY -> {
                    if (result.ownReply() == null) {
                        end(request + " failed (" + result.error() + "); its reply cannot carry an error, closing");
                        return false;
                    }
                    if (fd != null) {
                        send(result.ownReply(), fd);
                    } else {
                        send(result.ownReply());
                    }
                }
            }
        }
        return true;
    }

    private void send(byte[] frame, Fd... fds) throws IOException {
        MessageHeader h = MessageHeader.parse(frame);
        byte[] payload = new byte[frame.length - MessageHeader.SIZE];
        System.arraycopy(frame, MessageHeader.SIZE, payload, 0, payload.length);
        connection.send((int) h.request(), h.flags(), payload, fds);
    }
}
