package io.virtwire.vhostuser.transport;

import io.virtwire.linux.AncillaryDataTruncatedException;
import io.virtwire.linux.ErrnoException;
import io.virtwire.linux.Fd;
import io.virtwire.linux.PeerCredentials;
import io.virtwire.linux.UnixSocket;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Frames vhost-user messages on a connected, blocking Unix stream socket: a 12-byte header (u32 request,
 * u32 flags, u32 size, native byte order), {@code size} payload bytes, and the descriptors that arrive in the
 * same recvmsg as the header.
 *
 * <p>One thread may receive while another sends. Both block in native code, so use platform threads;
 * {@link #shutdown()} wakes a blocked receiver.
 */
public final class Connection implements AutoCloseable {

    public static final int HEADER_SIZE = 12;

    /**
     * The largest payload a frontend sends: VhostUserConfig for SET_CONFIG, u32 offset + u32 size + u32 flags +
     * VHOST_USER_MAX_CONFIG_SIZE (256) bytes = 268. The next largest, the SET_MEM_TABLE memory table (u32 nregions,
     * u32 padding, VHOST_MEMORY_BASELINE_NREGIONS = 8 regions of 32 bytes), is 264. Anything larger is not a
     * vhost-user message and would let a peer make us allocate at will.
     */
    public static final int MAX_FRONTEND_PAYLOAD = 12 + 256;

    /** The most descriptors one message carries: SET_MEM_TABLE, one per region, VHOST_MEMORY_BASELINE_NREGIONS = 8. */
    public static final int MAX_FDS = 8;

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;

    private final UnixSocket socket;
    private final int maxPayload;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment receiveBuffer;
    private final ReentrantLock receiveLock = new ReentrantLock();
    private final ReentrantLock sendLock = new ReentrantLock();

    /** A connection that accepts payloads up to {@link #MAX_FRONTEND_PAYLOAD}; takes ownership of the socket. */
    public Connection(UnixSocket socket) {
        this(socket, MAX_FRONTEND_PAYLOAD);
    }

    /** @param maxPayload the largest payload {@link #receive} accepts (a frontend reading replies may need more) */
    public Connection(UnixSocket socket, int maxPayload) {
        if (maxPayload < 0) {
            throw new IllegalArgumentException("maxPayload " + maxPayload + " is negative");
        }
        this.socket = socket;
        this.maxPayload = maxPayload;
        this.receiveBuffer = arena.allocate(HEADER_SIZE + (long) maxPayload, 8);
    }

    /** Two connected ends, for tests and in-process frontends. */
    public static Connection[] pair() throws ErrnoException {
        UnixSocket[] s = UnixSocket.pair();
        return new Connection[] {new Connection(s[0]), new Connection(s[1])};
    }

    /**
     * Reads one message. On any exception the descriptors that came with it are already closed and the stream is
     * out of sync: close the connection.
     *
     * @throws PeerDisconnectedException    if the peer closed or reset the connection
     * @throws TransportException           if the declared size exceeds the limit, more than {@link #MAX_FDS}
     *                                      descriptors arrive, or descriptors arrive mid-message
     * @throws IOException                  for other socket errors
     */
    public RawMessage receive() throws IOException {
        receiveLock.lock();
        try {
            MemorySegment header = receiveBuffer.asSlice(0, HEADER_SIZE);
            List<Fd> fds = new ArrayList<>(0);
            try {
                UnixSocket.Received first = read(header, MAX_FDS, true);
                fds.addAll(first.fds());
                fill(header, first.bytes());
                int request = header.get(U32, 0);
                int flags = header.get(U32, 4);
                long size = Integer.toUnsignedLong(header.get(U32, 8));
                if (size > maxPayload) {
                    throw new TransportException("vhost-user message with request " + Integer.toUnsignedString(request)
                            + " declares a " + size + "-byte payload; the largest legal payload is " + maxPayload
                            + " bytes (SET_CONFIG's VhostUserConfig, 12 + 256); closing the connection");
                }
                MemorySegment payload = receiveBuffer.asSlice(HEADER_SIZE, size);
                fill(payload, 0);
                return new RawMessage(request, flags, payload.toArray(ValueLayout.JAVA_BYTE), ReceivedFds.of(fds));
            } catch (IOException | RuntimeException e) {
                fds.forEach(Fd::close);
                throw e;
            }
        } finally {
            receiveLock.unlock();
        }
    }

    /** Reads into {@code target} from offset {@code have} until full; descriptors here break the framing. */
    private void fill(MemorySegment target, long have) throws IOException {
        while (have < target.byteSize()) {
            UnixSocket.Received more = read(target.asSlice(have), 0, false);
            have += more.bytes();
        }
    }

    private UnixSocket.Received read(MemorySegment into, int maxFds, boolean atMessageStart) throws IOException {
        UnixSocket.Received r;
        try {
            r = socket.receive(into, maxFds);
        } catch (AncillaryDataTruncatedException e) {
            throw new TransportException(maxFds == 0
                    ? "descriptors arrived in the middle of a vhost-user message, where none belong; closed them"
                    : "a vhost-user message carried more than " + MAX_FDS + " descriptors (SET_MEM_TABLE's "
                    + "VHOST_MEMORY_BASELINE_NREGIONS); closed them", e);
        } catch (ErrnoException e) {
            if (e.isBroken()) {
                throw new PeerDisconnectedException("vhost-user peer reset the connection: " + e.getMessage(), e);
            }
            throw e;
        }
        if (r.bytes() == 0) {
            r.fds().forEach(Fd::close);
            throw new PeerDisconnectedException(atMessageStart
                    ? "vhost-user peer closed the connection"
                    : "vhost-user peer closed the connection in the middle of a message");
        }
        return r;
    }

    /**
     * Sends one message with {@code fds} attached to its first byte. The descriptors stay owned by the caller.
     *
     * @throws PeerDisconnectedException if the peer is gone (EPIPE, ECONNRESET)
     */
    public void send(int request, int flags, byte[] payload, Fd... fds) throws IOException {
        if (fds.length > MAX_FDS) {
            throw new IllegalArgumentException(fds.length + " descriptors in one message; vhost-user carries at most " + MAX_FDS);
        }
        int[] raw = new int[fds.length];
        for (int i = 0; i < fds.length; i++) {
            raw[i] = fds[i].value();
        }
        sendLock.lock();
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment message = scratch.allocate(HEADER_SIZE + (long) payload.length, 8);
            message.set(U32, 0, request);
            message.set(U32, 4, flags);
            message.set(U32, 8, payload.length);
            MemorySegment.copy(payload, 0, message, ValueLayout.JAVA_BYTE, HEADER_SIZE, payload.length);
            long sent = socket.send(message, raw);
            while (sent < message.byteSize()) {
                sent += socket.send(message.asSlice(sent));
            }
        } catch (ErrnoException e) {
            if (e.isBroken()) {
                throw new PeerDisconnectedException("vhost-user peer is gone: " + e.getMessage(), e);
            }
            throw e;
        } finally {
            sendLock.unlock();
        }
    }

    public void send(RawMessage message) throws IOException {
        Fd[] fds = new Fd[message.fds().count()];
        for (int i = 0; i < fds.length; i++) {
            fds[i] = message.fds().get(i);
        }
        send(message.request(), message.flags(), message.payload(), fds);
    }

    /** The process at the other end (SO_PEERCRED). */
    public PeerCredentials peer() throws ErrnoException {
        return socket.peerCredentials();
    }

    public int maxPayload() {
        return maxPayload;
    }

    /** Wakes a thread blocked in {@link #receive}, which then sees {@link PeerDisconnectedException}. */
    public void shutdown() throws ErrnoException {
        socket.shutdown();
    }

    /** Shuts the socket down (waking a blocked receiver), waits for the receiver to leave, then closes. */
    @Override
    public void close() {
        if (socket.fd().isOpen()) {
            try {
                socket.shutdown();
            } catch (ErrnoException e) {
                // ENOTCONN: the peer's side is already gone; closing is all that is left to do
            }
        }
        receiveLock.lock();
        try {
            socket.close();
            arena.close();
        } finally {
            receiveLock.unlock();
        }
    }
}
