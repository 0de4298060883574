package io.virtwire.vhostuser.frontend;

import io.virtwire.linux.EventFd;
import io.virtwire.linux.Fd;
import io.virtwire.vhostuser.frontend.driver.DriverPackedQueue;
import io.virtwire.vhostuser.frontend.driver.DriverSplitQueue;
import io.virtwire.vhostuser.protocol.ConfigSpace;
import io.virtwire.vhostuser.protocol.Empty;
import io.virtwire.vhostuser.protocol.FrontendMessage;
import io.virtwire.vhostuser.protocol.FrontendRequest;
import io.virtwire.vhostuser.protocol.IotlbMsg;
import io.virtwire.vhostuser.protocol.InflightDesc;
import io.virtwire.vhostuser.protocol.MemoryTable;
import io.virtwire.vhostuser.protocol.MessageCodec;
import io.virtwire.vhostuser.protocol.MessageHeader;
import io.virtwire.vhostuser.protocol.NetMtu;
import io.virtwire.vhostuser.protocol.ProtocolException;
import io.virtwire.vhostuser.protocol.ProtocolFeature;
import io.virtwire.vhostuser.protocol.ProtocolFeatures;
import io.virtwire.vhostuser.protocol.ReplyDecoder;
import io.virtwire.vhostuser.protocol.U64;
import io.virtwire.vhostuser.protocol.VirtioFeature;
import io.virtwire.vhostuser.protocol.VringAddr;
import io.virtwire.vhostuser.protocol.VringFile;
import io.virtwire.vhostuser.protocol.VringState;
import io.virtwire.vhostuser.transport.Connection;
import io.virtwire.vhostuser.transport.RawMessage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * A QEMU-like vhost-user front-end: the requests QEMU sends, in the order it sends them, over a real socket, with
 * NEED_REPLY set on every request without a reply of its own once REPLY_ACK is negotiated (so each step is
 * confirmed before the next, as QEMU does for SET_MEM_TABLE and friends). Ring addresses are sent as user
 * addresses ({@link GuestRam#userAddr}), never as GPAs.
 *
 * <p>Used by tests, benchmarks and {@link Probe}. One thread at a time.
 */
public final class Frontend implements AutoCloseable {

    private final Connection connection;
    private long backendFeatures;
    private long backendProtocolFeatures;
    private long ackedFeatures;
    private long ackedProtocolFeatures;

    public Frontend(Connection connection) {
        this.connection = connection;
    }

    public Connection connection() {
        return connection;
    }

    // ---------------------------------------------------------------------------------- the QEMU handshake

    /** What the handshake negotiated. */
    public record Negotiated(long backendFeatures, long backendProtocolFeatures, long protocolFeatures,
                             Optional<Long> queueNum, Optional<Long> maxMemSlots) {
    }

    /**
     * GET_FEATURES, GET_PROTOCOL_FEATURES, SET_PROTOCOL_FEATURES (offer ∩ {@code wantedProtocol}),
     * GET_QUEUE_NUM (with MQ), GET_MAX_MEM_SLOTS (with CONFIGURE_MEM_SLOTS), SET_OWNER: what QEMU's
     * vhost_user_backend_init and vhost_dev_init send, before SET_FEATURES.
     */
    public Negotiated handshake(long wantedProtocol) throws IOException {
        backendFeatures = getFeatures();
        Optional<Long> queueNum = Optional.empty();
        Optional<Long> slots = Optional.empty();
        if ((backendFeatures & VirtioFeature.VHOST_USER_F_PROTOCOL_FEATURES.mask()) != 0) {
            backendProtocolFeatures = getProtocolFeatures();
            setProtocolFeatures(backendProtocolFeatures & wantedProtocol);
            if (hasProtocol(ProtocolFeature.MQ)) {
                queueNum = Optional.of(u64Request(FrontendRequest.GET_QUEUE_NUM));
            }
            if (hasProtocol(ProtocolFeature.CONFIGURE_MEM_SLOTS)) {
                slots = Optional.of(u64Request(FrontendRequest.GET_MAX_MEM_SLOTS));
            }
        }
        setOwner();
        return new Negotiated(backendFeatures, backendProtocolFeatures, ackedProtocolFeatures, queueNum, slots);
    }

    public boolean hasProtocol(ProtocolFeature f) {
        return (ackedProtocolFeatures & f.mask()) != 0;
    }

    public long ackedFeatures() {
        return ackedFeatures;
    }

    public long ackedProtocolFeatures() {
        return ackedProtocolFeatures;
    }

    public long getFeatures() throws IOException {
        return u64Request(FrontendRequest.GET_FEATURES);
    }

    public long getProtocolFeatures() throws IOException {
        return u64Request(FrontendRequest.GET_PROTOCOL_FEATURES);
    }

    public void setProtocolFeatures(long features) throws IOException {
        // QEMU never asks for an ack here: REPLY_ACK is not in force until this message has been applied
        send(new U64(FrontendRequest.SET_PROTOCOL_FEATURES, features), false);
        ackedProtocolFeatures = features;
    }

    public void setOwner() throws IOException {
        request(new Empty(FrontendRequest.SET_OWNER));
    }

    /** SET_FEATURES; the back-end's offer must include {@code features}. */
    public void setFeatures(long features) throws IOException {
        request(new U64(FrontendRequest.SET_FEATURES, features));
        ackedFeatures = features;
    }

    public long u64Request(FrontendRequest request) throws IOException {
        send(new Empty(request), false);
        RawMessage reply = receiveReply();
        try (reply) {
            return ReplyDecoder.u64(request, header(reply), reply.payload());
        } catch (ProtocolException e) {
            throw new IOException("bad reply to " + request + ": " + e.getMessage(), e);
        }
    }

    public void setMemTable(GuestRam ram) throws IOException {
        Fd[] fds = new Fd[ram.regionCount()];
        for (int i = 0; i < fds.length; i++) {
            fds[i] = ram.fd(i);
        }
        request(new MemoryTable(ram.regions()), fds);
    }

    /** SET_BACKEND_REQ_FD: hands the back-end its end of the channel for back-end requests (IOTLB misses). */
    public void setBackendReqFd(Fd backendEnd) throws IOException {
        request(new Empty(FrontendRequest.SET_BACKEND_REQ_FD), backendEnd);
    }

    /**
     * IOTLB_MSG (update or invalidate), as QEMU's vhost_backend_update_device_iotlb sends it.
     *
     * @return the back-end's u64 answer: 0 success, anything else failure
     */
    public long iotlbMsg(IotlbMsg message) throws IOException {
        send(message, false);
        try (RawMessage reply = receiveReply()) {
            return ReplyDecoder.u64(FrontendRequest.IOTLB_MSG, header(reply), reply.payload());
        } catch (ProtocolException e) {
            throw new IOException("bad IOTLB_MSG reply: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------------------------- rings

    public void setVringNum(int index, int num) throws IOException {
        request(new VringState(FrontendRequest.SET_VRING_NUM, index, num));
    }

    public void setVringBase(int index, long base) throws IOException {
        request(new VringState(FrontendRequest.SET_VRING_BASE, index, base));
    }

    /** SET_VRING_ADDR from guest-physical ring addresses, converted to user addresses as QEMU sends them. */
    public void setVringAddr(int index, long descGpa, long usedGpa, long availGpa) throws IOException {
        request(new VringAddr(index, 0, GuestRam.userAddr(descGpa), GuestRam.userAddr(usedGpa),
                GuestRam.userAddr(availGpa), 0));
    }

    /** {@code fd} null: NOFD (poll). */
    public void setVringKick(int index, EventFd fd) throws IOException {
        vringFile(FrontendRequest.SET_VRING_KICK, index, fd);
    }

    public void setVringCall(int index, EventFd fd) throws IOException {
        vringFile(FrontendRequest.SET_VRING_CALL, index, fd);
    }

    private void vringFile(FrontendRequest request, int index, EventFd fd) throws IOException {
        if (fd == null) {
            request(new VringFile(request, index, true));
        } else {
            request(new VringFile(request, index, false), fd.fd());
        }
    }

    public void setVringEnable(int index, boolean enable) throws IOException {
        request(new VringState(FrontendRequest.SET_VRING_ENABLE, index, enable ? 1 : 0));
    }

    /** GET_VRING_BASE: stops the ring; returns the back-end's next avail index (packed: both halves). */
    public long getVringBase(int index) throws IOException {
        return getVringBase(index, 0);
    }

    /**
     * GET_VRING_BASE with {@code num} in the field the spec reserves (it says 0): DPDK's virtio-user sends its
     * last ring state there when it stops a port; a test uses this to play that front-end.
     */
    public long getVringBase(int index, long reservedNum) throws IOException {
        send(new VringState(FrontendRequest.GET_VRING_BASE, index, reservedNum), false);
        try (RawMessage reply = receiveReply()) {
            ReplyDecoder.VringBase base = ReplyDecoder.vringBase(header(reply), reply.payload());
            if (base.index() != index) {
                throw new IOException("GET_VRING_BASE for ring " + index + " answered for ring " + base.index());
            }
            return base.num();
        } catch (ProtocolException e) {
            throw new IOException("bad GET_VRING_BASE reply: " + e.getMessage(), e);
        }
    }

    /** QEMU's vhost_virtqueue_start for a split ring, then SET_VRING_ENABLE 1 (vhost_net's enable step). */
    public void startSplitQueue(int index, DriverSplitQueue queue, int base, EventFd kick, EventFd call) throws IOException {
        setVringNum(index, queue.size());
        setVringBase(index, base);
        setVringAddr(index, queue.descGpa(), queue.usedGpa(), queue.availGpa());
        setVringKick(index, kick);
        setVringCall(index, call);
        if ((ackedFeatures & VirtioFeature.VHOST_USER_F_PROTOCOL_FEATURES.mask()) != 0) {
            setVringEnable(index, true);
        }
    }

    /** The same for a packed ring: desc = descriptor ring, avail = driver event area, used = device event area. */
    public void startPackedQueue(int index, DriverPackedQueue queue, long base, EventFd kick, EventFd call) throws IOException {
        setVringNum(index, queue.size());
        setVringBase(index, base);
        setVringAddr(index, queue.descGpa(), queue.deviceEventGpa(), queue.driverEventGpa());
        setVringKick(index, kick);
        setVringCall(index, call);
        if ((ackedFeatures & VirtioFeature.VHOST_USER_F_PROTOCOL_FEATURES.mask()) != 0) {
            setVringEnable(index, true);
        }
    }

    // ---------------------------------------------------------------------------------- inflight, config, net

    /** GET_INFLIGHT_FD's answer: the description and the buffer's fd (the caller owns it). */
    public record Inflight(InflightDesc desc, Fd fd) implements AutoCloseable {
        @Override
        public void close() {
            fd.close();
        }
    }

    public Inflight getInflightFd(int numQueues, int queueSize) throws IOException {
        send(new InflightDesc(FrontendRequest.GET_INFLIGHT_FD, 0, 0, numQueues, queueSize), false);
        RawMessage reply = receiveReply();
        try {
            InflightDesc desc = ReplyDecoder.inflight(header(reply), reply.payload());
            if (reply.fds().count() != 1) {
                throw new IOException("GET_INFLIGHT_FD reply carried " + reply.fds().count() + " fds, expected 1");
            }
            return new Inflight(desc, reply.fds().take(0));
        } catch (ProtocolException e) {
            throw new IOException("bad GET_INFLIGHT_FD reply: " + e.getMessage(), e);
        } finally {
            reply.close();
        }
    }

    /** SET_INFLIGHT_FD with a buffer kept from an earlier back-end (the fd stays the caller's). */
    public void setInflightFd(InflightDesc from, Fd fd) throws IOException {
        request(new InflightDesc(FrontendRequest.SET_INFLIGHT_FD, from.mmapSize(), from.mmapOffset(), from.numQueues(),
                from.queueSize()), fd);
    }

    /** GET_CONFIG; empty if the back-end signalled failure. */
    public Optional<byte[]> getConfig(int offset, int size) throws IOException {
        send(new ConfigSpace(FrontendRequest.GET_CONFIG, offset, ConfigSpace.FLAG_WRITABLE_FIELDS, new byte[size]), false);
        try (RawMessage reply = receiveReply()) {
            return ReplyDecoder.config(header(reply), reply.payload()).map(ConfigSpace::contents);
        } catch (ProtocolException e) {
            throw new IOException("bad GET_CONFIG reply: " + e.getMessage(), e);
        }
    }

    /**
     * SET_LOG_BASE (LOG_SHMFD form): the dirty log for live migration is [offset, offset + size) of {@code fd}.
     *
     * @throws BackendRefusedException if the back-end answers non-zero
     */
    public void setLogBase(Fd fd, long size, long offset) throws IOException {
        send(new io.virtwire.vhostuser.protocol.LogBase(size, offset), false, fd);
        try (RawMessage reply = receiveReply()) {
            long status = ReplyDecoder.u64(FrontendRequest.SET_LOG_BASE, header(reply), reply.payload());
            if (status != 0) {
                throw new BackendRefusedException(FrontendRequest.SET_LOG_BASE, "status " + status);
            }
        } catch (ProtocolException e) {
            throw new IOException("bad SET_LOG_BASE reply: " + e.getMessage(), e);
        }
    }

    public void netSetMtu(int mtu) throws IOException {
        request(new NetMtu(mtu));
    }

    // ---------------------------------------------------------------------------------- plumbing

    /**
     * Sends a request without a reply of its own; with REPLY_ACK negotiated it sets NEED_REPLY and waits for the ack.
     *
     * @throws BackendRefusedException if the ack reports failure
     */
    public void request(FrontendMessage message, Fd... fds) throws IOException {
        boolean ack = hasProtocol(ProtocolFeature.REPLY_ACK) && !message.request().hasReply();
        send(message, ack, fds);
        if (ack) {
            awaitAck(message.request());
        }
    }

    /** Reads a REPLY_ACK for {@code request}. */
    public void awaitAck(FrontendRequest request) throws IOException {
        try (RawMessage reply = receiveReply()) {
            if (!ReplyDecoder.ack(request, header(reply), reply.payload())) {
                throw new BackendRefusedException(request, "REPLY_ACK " + ByteBuffer.wrap(reply.payload()).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong());
            }
        } catch (ProtocolException e) {
            throw new IOException("bad ack for " + request + ": " + e.getMessage(), e);
        }
    }

    public void send(FrontendMessage message, boolean needReply, Fd... fds) throws IOException {
        byte[] payload = MessageCodec.payloadOf(message);
        int flags = MessageHeader.VERSION | (needReply ? MessageHeader.NEED_REPLY : 0);
        connection.send(message.request().code(), flags, payload, fds);
    }

    /** Sends anything, exactly as given (hostile tests). */
    public void sendRaw(int request, int flags, byte[] payload, Fd... fds) throws IOException {
        connection.send(request, flags, payload, fds);
    }

    public RawMessage receiveReply() throws IOException {
        return connection.receive();
    }

    private static MessageHeader header(RawMessage m) {
        return new MessageHeader(Integer.toUnsignedLong(m.request()), m.flags(), m.size());
    }

    public ProtocolFeatures negotiatedProtocolFeatures() {
        return new ProtocolFeatures(ackedProtocolFeatures);
    }

    @Override
    public void close() {
        connection.close();
    }
}
