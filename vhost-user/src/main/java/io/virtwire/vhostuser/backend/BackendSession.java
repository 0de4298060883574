package io.virtwire.vhostuser.backend;

import io.virtwire.linux.ErrnoException;
import io.virtwire.linux.EventFd;
import io.virtwire.linux.Fd;
import io.virtwire.memory.GuestMemory;
import io.virtwire.memory.GuestMemoryException;
import io.virtwire.vhostuser.memory.DirtyLog;
import io.virtwire.vhostuser.memory.GuestMemoryHolder;
import io.virtwire.vhostuser.memory.GuestMemoryMapper;
import io.virtwire.vhostuser.memory.IotlbCache;
import io.virtwire.vhostuser.memory.RegionDescription;
import io.virtwire.vhostuser.protocol.ConfigSpace;
import io.virtwire.vhostuser.protocol.DeviceStatus;
import io.virtwire.vhostuser.protocol.Empty;
import io.virtwire.vhostuser.protocol.FrontendMessage;
import io.virtwire.vhostuser.protocol.FrontendRequest;
import io.virtwire.vhostuser.protocol.InflightDesc;
import io.virtwire.vhostuser.protocol.IotlbMsg;
import io.virtwire.vhostuser.protocol.LogBase;
import io.virtwire.vhostuser.protocol.MemoryRegionDesc;
import io.virtwire.vhostuser.protocol.MemoryTable;
import io.virtwire.vhostuser.protocol.MessageCodec;
import io.virtwire.vhostuser.protocol.MessageHeader;
import io.virtwire.vhostuser.protocol.NetMtu;
import io.virtwire.vhostuser.protocol.ProtocolException;
import io.virtwire.vhostuser.protocol.ProtocolFeature;
import io.virtwire.vhostuser.protocol.ProtocolFeatures;
import io.virtwire.vhostuser.protocol.ReplyPolicy;
import io.virtwire.vhostuser.protocol.SendRarp;
import io.virtwire.vhostuser.protocol.SingleMemoryRegion;
import io.virtwire.vhostuser.protocol.U64;
import io.virtwire.vhostuser.protocol.VirtioFeature;
import io.virtwire.vhostuser.protocol.VringAddr;
import io.virtwire.vhostuser.protocol.VringFile;
import io.virtwire.vhostuser.protocol.VringState;
import io.virtwire.vhostuser.transport.Connection;
import io.virtwire.vhostuser.transport.PeerDisconnectedException;
import io.virtwire.vhostuser.transport.RawMessage;
import io.virtwire.vhostuser.transport.ReceivedFds;
import io.virtwire.virtio.queue.IovaMemory;
import io.virtwire.virtio.queue.PackedQueue;
import io.virtwire.virtio.queue.PackedRingLayout;
import io.virtwire.virtio.queue.QueueConfigException;
import io.virtwire.virtio.queue.RingLayout;
import io.virtwire.virtio.queue.SplitQueue;
import io.virtwire.virtio.queue.SplitRingLayout;
import io.virtwire.virtio.queue.Virtqueue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One vhost-user connection, back-end side: the dispatcher that owns the protocol state (acked virtio and protocol
 * features, owner, memory table, vrings, dirty log, inflight buffer, device status) and drives a
 * {@link VhostUserDevice}.
 *
 * <p>Per message, in this order (design doc 6.4): decode and validate with {@link MessageCodec} (every rule of
 * the {@link FrontendRequest} table: size, fds, flags, negotiated feature, queue index); pause the rings the request
 * affects ({@link FrontendRequest#queuePause()}, see {@link VhostUserDevice} for the handshake); apply it in one
 * exhaustive switch over the sealed {@link FrontendMessage}; recompute which rings are started; answer once, as
 * {@link ReplyPolicy} decides. Received fds stay owned by the message's {@link ReceivedFds} and are closed after
 * dispatch unless a handler took them.
 *
 * <p>Failures: a message that breaks a protocol rule, or that cannot be applied, is answered with a failed
 * REPLY_ACK when the front-end asked for one and REPLY_ACK is negotiated, and the session goes on; when the
 * front-end cannot be told (no ack, or a request with its own reply), the session ends and closes the connection.
 * Nothing here throws past {@link #run()}: a session never takes its process or other sessions down.
 *
 * <p>A ring is started when it has a size (SET_VRING_NUM), addresses (SET_VRING_ADDR), a kick fd or NOFD polling
 * (SET_VRING_KICK), there is a memory table, and it is enabled. Without VHOST_USER_F_PROTOCOL_FEATURES acked,
 * SET_FEATURES enables every ring (spec: "the back-end must enable all rings immediately"); with it, only
 * SET_VRING_ENABLE does. GET_VRING_BASE stops the ring and it stays stopped until the next SET_VRING_KICK.
 */
public final class BackendSession implements Runnable, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(BackendSession.class.getName());

    /** The protocol features this dispatcher implements; a device's wish list is intersected with it. */
    public static final long SUPPORTED_PROTOCOL_FEATURES = ProtocolFeatures.of(
            ProtocolFeature.MQ, ProtocolFeature.LOG_SHMFD, ProtocolFeature.RARP, ProtocolFeature.REPLY_ACK,
            ProtocolFeature.NET_MTU, ProtocolFeature.BACKEND_REQ, ProtocolFeature.CONFIG,
            ProtocolFeature.INFLIGHT_SHMFD, ProtocolFeature.RESET_DEVICE, ProtocolFeature.CONFIGURE_MEM_SLOTS,
            ProtocolFeature.STATUS).bits();

    /**
     * GET_MAX_MEM_SLOTS: 509, the Linux vhost default {@code max_mem_regions} and the former KVM user memory slot
     * limit (rust-vmm's vhost-user-backend answers the same). Every region is one mapping, found by binary search.
     */
    public static final int MAX_MEM_SLOTS = 509;

    private static final long PROTOCOL_FEATURES_BIT = VirtioFeature.VHOST_USER_F_PROTOCOL_FEATURES.mask();

    private final Connection connection;
    private final VhostUserDevice device;
    private final String name;
    private final long offeredFeatures;
    private final long offeredProtocolFeatures;
    private final Vring[] vrings;
    private final GuestMemoryHolder memory = new GuestMemoryHolder();

    private long ackedFeatures;
    private boolean featuresAcked;
    private long ackedProtocolFeatures;
    private boolean owner;
    private int status;
    private DirtyLog log;
    private InflightRegion inflight;
    private volatile BackendChannel backendChannel;
    private final IotlbCache iotlb = new IotlbCache();
    /** Built from {@link #iotlb} and the memory table when a ring starts under ACCESS_PLATFORM; null when stale. */
    private IotlbCache.View iovaView;
    private volatile String endReason;
    private boolean closed;
    /** Rate-limited, shared with the other sessions of the same socket (a front-end failing in a loop). */
    private final SessionLog sessionLog;
    /** Whether a ring ever started: the session did what it is for, see {@link #startedRings()}. */
    private volatile boolean startedRings;

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
        this.sessionLog = log;
        int numQueues = device.numQueues();
        if (numQueues < 1 || numQueues > 256) {
            throw new IllegalArgumentException("device has " + numQueues + " vrings, expected 1..256");
        }
        if (device.maxQueueSize() < 1 || device.maxQueueSize() > RingLayout.MAX_QUEUE_SIZE) {
            throw new IllegalArgumentException("device max queue size " + device.maxQueueSize() + " is outside 1..32768");
        }
        this.connection = connection;
        this.device = device;
        this.name = name;
        this.offeredFeatures = device.features() | PROTOCOL_FEATURES_BIT;
        this.offeredProtocolFeatures = device.protocolFeatures() & SUPPORTED_PROTOCOL_FEATURES;
        this.vrings = new Vring[numQueues];
        for (int i = 0; i < numQueues; i++) {
            vrings[i] = new Vring(i);
        }
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
        return startedRings;
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
            for (Vring v : vrings) {
                stop(v);
            }
            device.sessionClosed();
        } finally {
            for (Vring v : vrings) {
                v.close();
            }
            memory.close();
            closeLog();
            closeInflight();
            if (backendChannel != null) {
                backendChannel.close();
            }
            connection.close();
        }
    }

    // ------------------------------------------------------------------------------------------ state (for tests, probes)

    public long ackedFeatures() {
        return ackedFeatures;
    }

    public long ackedProtocolFeatures() {
        return ackedProtocolFeatures;
    }

    public boolean isOwned() {
        return owner;
    }

    public GuestMemory memory() {
        return memory.memory();
    }

    /** Whether ring {@code index} is started (handed to the device). Session thread only, or after it ended. */
    public boolean isStarted(int index) {
        return vrings[index].started != null;
    }

    // ------------------------------------------------------------------------------------------ dispatch

    /** The outcome of one handler: success or not, and the request's own reply if it has one. */
    private record Result(boolean ok, byte[] ownReply, Fd replyFd, String error) {
        static final Result OK = new Result(true, null, null, null);

        static Result reply(byte[] bytes) {
            return new Result(true, bytes, null, null);
        }

        static Result failed(String error) {
            return new Result(false, null, null, error);
        }
    }

    /** Thrown by handlers when a well-formed request cannot be applied; the message says why. */
    private static final class RequestFailedException extends Exception {
        RequestFailedException(String message) {
            super(message);
        }
    }

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
                message = MessageCodec.decode(header, raw.payload(), raw.fds().count(), ackedProtocolFeatures,
                        vrings.length);
            } catch (ProtocolException e) {
                raw.close(); // refused fds are closed before the front-end hears of it
                return rejected(header, e);
            }
            FrontendRequest request = message.request();
            Result result;
            try {
                if (!repeatsCurrentState(message, raw.fds())) {
                    pause(message);
                }
                result = dispatch(message, raw.fds());
            } catch (RequestFailedException | ErrnoException | GuestMemoryException | IllegalArgumentException
                     | IllegalStateException e) {
                result = Result.failed(e.getMessage());
            }
            String startFailure = recomputeReadiness();
            if (result.ok() && startFailure != null) {
                result = new Result(false, result.ownReply(), result.replyFd(), startFailure);
            }
            raw.close(); // fds not taken are closed before the front-end hears the outcome
            return answer(request, header, result);
        }
    }

    private boolean rejected(MessageHeader header, ProtocolException e) throws IOException {
        Optional<FrontendRequest> request = e.request();
        sessionLog.log(System.Logger.Level.WARNING, name + ": rejected " + e.getMessage());
        if (request.isPresent() && ReplyPolicy.decide(request.get(), header, new ProtocolFeatures(ackedProtocolFeatures))
                == ReplyPolicy.Decision.ACK) {
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

    private boolean answer(FrontendRequest request, MessageHeader header, Result result) throws IOException {
        if (!result.ok()) {
            sessionLog.log(System.Logger.Level.WARNING, name + ": " + request + " failed: " + result.error());
        }
        try (Fd fd = result.replyFd()) {
            switch (ReplyPolicy.decide(request, header, new ProtocolFeatures(ackedProtocolFeatures))) {
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
                        sendFrame(result.ownReply(), fd);
                    } else {
                        send(result.ownReply());
                    }
                }
            }
        }
        return true;
    }

    private void send(byte[] frame) throws IOException {
        sendFrame(frame);
    }

    private void sendFrame(byte[] frame, Fd... fds) throws IOException {
        MessageHeader h = MessageHeader.parse(frame);
        byte[] payload = new byte[frame.length - MessageHeader.SIZE];
        System.arraycopy(frame, MessageHeader.SIZE, payload, 0, payload.length);
        connection.send((int) h.request(), h.flags(), payload, fds);
    }

    private void pause(FrontendMessage message) {
        switch (message.request().queuePause()) {
            case NONE -> {
            }
            case INDEXED_QUEUE -> stop(vrings[vringIndex(message)]);
            case ALL_QUEUES -> {
                for (Vring v : vrings) {
                    stop(v);
                }
            }
        }
    }

    /**
     * Whether {@code message} only repeats what is in force, so no ring needs to stop for it. QEMU sends these
     * for a multiqueue virtio-net NIC: one vhost device per queue pair on one connection (net/vhost-user.c), and
     * every request its vhost_user_per_device_request() list (formerly vhost_user_one_time_request()) leaves out
     * is sent by each device, while the rings of the pairs before it already run: SET_FEATURES, and with
     * CONFIGURE_MEM_SLOTS in QEMU 7.2 ADD_MEM_REG / REM_MEM_REG for every region (docs/vhost-user.md,
     * "Multiqueue"). Pausing every ring for each would stop the running pairs for nothing.
     */
    private boolean repeatsCurrentState(FrontendMessage message, ReceivedFds fds) {
        try {
            return switch (message) {
                // DPDK's vhost_user_set_features: the same features while the device runs is a no-op
                case U64 u when u.request() == FrontendRequest.SET_FEATURES ->
                        featuresAcked && u.value() == ackedFeatures;
                case MemoryTable t -> GuestMemoryMapper.sameTable(memory.table(), descriptions(t), borrowed(t, fds));
                case SingleMemoryRegion r when r.request() == FrontendRequest.ADD_MEM_REG ->
                        GuestMemoryMapper.findIdentical(memory.table(), description(r.region()), fds.get(0)) >= 0;
                case SingleMemoryRegion r -> {
                    int i = GuestMemoryMapper.indexOf(memory.table(), description(r.region()));
                    yield i >= 0 && memory.table().holds(i) > 1;
                }
                default -> false;
            };
        } catch (ErrnoException | RuntimeException e) {
            return false; // the handler meets the same problem and reports it
        }
    }

    private static int vringIndex(FrontendMessage message) {
        return switch (message) {
            case VringState s -> s.index();
            case VringAddr a -> a.index();
            case VringFile f -> f.index();
            default -> throw new IllegalStateException(message.request() + " pauses one queue but names none");
        };
    }

    private Result dispatch(FrontendMessage message, ReceivedFds fds)
            throws RequestFailedException, ErrnoException {
        return switch (message) {
            case Empty e -> empty(e, fds);
            case U64 u -> u.request() == FrontendRequest.SET_FEATURES ? setFeatures(u.value()) : setProtocolFeatures(u.value());
            case VringState s -> vringState(s);
            case VringAddr a -> {
                Vring v = vrings[a.index()];
                v.addr = a;
                v.configChanged();
                yield Result.OK;
            }
            case VringFile f -> vringFile(f, fds);
            case MemoryTable t -> setMemTable(t, fds);
            case SingleMemoryRegion r -> r.request() == FrontendRequest.ADD_MEM_REG ? addMemReg(r.region(), fds) : remMemReg(r.region());
            case LogBase l -> setLogBase(l, fds);
            case IotlbMsg m -> iotlbMsg(m);
            case ConfigSpace c -> config(c);
            case InflightDesc d -> d.request() == FrontendRequest.GET_INFLIGHT_FD ? getInflight(d) : setInflight(d, fds);
            case DeviceStatus s -> {
                status = s.status();
                yield Result.OK;
            }
            case SendRarp r -> {
                device.sendRarp(r.macBytes());
                yield Result.OK;
            }
            case NetMtu m -> device.setMtu(m.mtu()) ? Result.OK : Result.failed("device refuses MTU " + m.mtu());
        };
    }

    private Result empty(Empty e, ReceivedFds fds) {
        return switch (e.request()) {
            case GET_FEATURES -> u64Reply(e.request(), offeredFeatures);
            case GET_PROTOCOL_FEATURES -> u64Reply(e.request(), offeredProtocolFeatures);
            case SET_OWNER -> {
                owner = true;
                yield Result.OK;
            }
            case RESET_OWNER -> {
                // deprecated; the spec recommends ignoring it or disabling all rings: rings were paused, disable them
                for (Vring v : vrings) {
                    v.enabled = false;
                }
                yield Result.OK;
            }
            case RESET_DEVICE -> {
                for (Vring v : vrings) {
                    v.close();
                }
                for (int i = 0; i < vrings.length; i++) {
                    vrings[i] = new Vring(i);
                }
                ackedFeatures = 0;
                featuresAcked = false;
                status = 0;
                iotlb.clear();
                iovaView = null;
                yield Result.OK;
            }
            case SET_LOG_FD -> Result.OK; // legacy log fd; the descriptor is closed with the message
            case SET_BACKEND_REQ_FD -> {
                BackendChannel old = backendChannel;
                backendChannel = new BackendChannel(fds.take(0), name);
                if (old != null) {
                    old.close();
                }
                yield Result.OK;
            }
            case GET_QUEUE_NUM -> u64Reply(e.request(), device.queueNumReply());
            case GET_MAX_MEM_SLOTS -> u64Reply(e.request(), MAX_MEM_SLOTS);
            case GET_STATUS -> u64Reply(e.request(), status);
            default -> throw new IllegalStateException(e.request() + " is not an empty-payload request");
        };
    }

    private static Result u64Reply(FrontendRequest request, long value) {
        return Result.reply(MessageCodec.encodeReplyU64(request, value));
    }

    private Result setFeatures(long features) throws RequestFailedException {
        long unknown = features & ~offeredFeatures;
        if (unknown != 0) {
            throw new RequestFailedException("features 0x" + Long.toHexString(features) + " include 0x"
                    + Long.toHexString(unknown) + ", which GET_FEATURES did not offer");
        }
        if (featuresAcked && features == ackedFeatures) {
            // the next queue pair's vhost device acking what the first one did (see repeatsCurrentState); nothing
            // changes, and the rings of the pairs already running were not paused
            return Result.OK;
        }
        ackedFeatures = features;
        featuresAcked = true;
        if ((features & PROTOCOL_FEATURES_BIT) == 0) {
            for (Vring v : vrings) {
                v.enabled = true;
            }
        }
        for (Vring v : vrings) {
            v.configChanged();
        }
        device.featuresAcked(features);
        return Result.OK;
    }

    private Result setProtocolFeatures(long features) throws RequestFailedException {
        long unknown = features & ~offeredProtocolFeatures;
        if (unknown != 0) {
            throw new RequestFailedException("protocol features " + new ProtocolFeatures(features) + " include "
                    + new ProtocolFeatures(unknown) + ", which GET_PROTOCOL_FEATURES did not offer");
        }
        ackedProtocolFeatures = features;
        return Result.OK;
    }

    private boolean packed() {
        return (ackedFeatures & VirtioFeature.VIRTIO_F_RING_PACKED.mask()) != 0;
    }

    private Result vringState(VringState s) throws RequestFailedException {
        Vring v = vrings[s.index()];
        switch (s.request()) {
            case SET_VRING_NUM -> {
                if (s.num() > device.maxQueueSize()) {
                    throw new RequestFailedException("ring " + s.index() + " size " + s.num() + " exceeds the device's maximum "
                            + device.maxQueueSize());
                }
                if (!packed() && Long.bitCount(s.num()) != 1) {
                    throw new RequestFailedException("ring " + s.index() + " size " + s.num()
                            + " is not a power of two, which a split ring needs");
                }
                v.num = s.num();
                v.numSet = true;
            }
            case SET_VRING_BASE -> {
                if (!packed() && s.num() > 0xFFFF) {
                    throw new RequestFailedException("ring " + s.index() + " base " + s.num() + " is not a u16 (split ring)");
                }
                v.base = s.num();
            }
            case GET_VRING_BASE -> {
                if (s.num() != 0) {
                    // reserved ("must be 0"), but DPDK's virtio-user sends its ring state there when a port stops
                    sessionLog.log(System.Logger.Level.DEBUG, name + ": GET_VRING_BASE ring " + s.index()
                            + " with reserved num "
                            + s.num() + ": ignored");
                }
                // pause() has stopped the ring and saved its position; it stays stopped until the next SET_VRING_KICK
                v.kickSet = false;
                v.replaceKick(null);
                return Result.reply(MessageCodec.encodeReplyVringState(s.index(), v.base));
            }
            case SET_VRING_ENABLE -> v.enabled = s.enabled();
            default -> throw new IllegalStateException(s.request() + " is not a vring state request");
        }
        v.configChanged();
        return Result.OK;
    }

    private Result vringFile(VringFile f, ReceivedFds fds) throws ErrnoException {
        Vring v = vrings[f.index()];
        EventFd fd = f.noFd() ? null : EventFd.adopt(fds.take(0));
        switch (f.request()) {
            case SET_VRING_KICK -> {
                v.replaceKick(fd);
                v.kickSet = true;
            }
            case SET_VRING_CALL -> v.replaceCall(fd);
            case SET_VRING_ERR -> v.replaceErr(fd);
            default -> throw new IllegalStateException(f.request() + " is not a vring fd request");
        }
        v.configChanged();
        return Result.OK;
    }

    private static List<RegionDescription> descriptions(MemoryTable table) {
        List<RegionDescription> regions = new ArrayList<>(table.regions().size());
        for (MemoryRegionDesc d : table.regions()) {
            regions.add(description(d));
        }
        return regions;
    }

    private static List<Fd> borrowed(MemoryTable table, ReceivedFds fds) {
        List<Fd> borrowed = new ArrayList<>(table.regions().size());
        for (int i = 0; i < table.regions().size(); i++) {
            borrowed.add(fds.get(i));
        }
        return borrowed;
    }

    private Result setMemTable(MemoryTable table, ReceivedFds fds) throws ErrnoException {
        List<RegionDescription> regions = descriptions(table);
        List<Fd> borrowed = borrowed(table, fds);
        if (GuestMemoryMapper.sameTable(memory.table(), regions, borrowed)) {
            // DPDK's vhost_user_set_mem_table: "memory regions not changed" is a no-op; the fds close with the message
            return Result.OK;
        }
        // the mappings outlive the fds, which close with the message
        install(GuestMemoryMapper.map(regions, borrowed));
        return Result.OK;
    }

    /**
     * ADD_MEM_REG. The same region again (every field and the same file, by st_dev/st_ino of the fd) is what QEMU
     * 7.2 sends for each further queue pair of a multiqueue NIC (before ADD/REM_MEM_REG joined its per-device
     * list): it is counted, its duplicate fd closes with the message, and nothing is remapped. Anything else that
     * overlaps a mapped region in the front-end's address space is refused, as DPDK's vhost_user_add_mem_reg
     * refuses every overlap (DPDK relies on QEMU sending each region once, which QEMU 7.2 does not).
     */
    private Result addMemReg(MemoryRegionDesc region, ReceivedFds fds) throws ErrnoException, RequestFailedException {
        io.virtwire.vhostuser.memory.MemoryTable current = memory.table();
        int same = GuestMemoryMapper.findIdentical(current, description(region), fds.get(0));
        if (same >= 0) {
            replaceKeepingMappings(GuestMemoryMapper.hold(current, same));
            return Result.OK;
        }
        if (current.regionCount() >= MAX_MEM_SLOTS) {
            throw new RequestFailedException("already " + MAX_MEM_SLOTS + " memory regions (GET_MAX_MEM_SLOTS)");
        }
        install(GuestMemoryMapper.add(current, description(region), fds.get(0)));
        return Result.OK;
    }

    /**
     * REM_MEM_REG, matched on gpa, size and user address (spec: "The mmap offset is ignored"). A region added
     * several times identically stays mapped until its last REM_MEM_REG: QEMU 7.2 sends one per queue pair as it
     * sent the ADD_MEM_REG, so counting them is what keeps the first pair's rings running.
     */
    private Result remMemReg(MemoryRegionDesc region) {
        io.virtwire.vhostuser.memory.MemoryTable current = memory.table();
        int i = GuestMemoryMapper.indexOf(current, description(region));
        if (i >= 0 && current.holds(i) > 1) {
            replaceKeepingMappings(GuestMemoryMapper.remove(current, description(region)));
            return Result.OK;
        }
        install(GuestMemoryMapper.remove(current, description(region)));
        return Result.OK;
    }

    /**
     * Installs a table with exactly the mappings of the current one (only hold counts differ): no ring was paused
     * and none needs to restart, since every segment a running ring uses stays mapped through the new table.
     */
    private void replaceKeepingMappings(io.virtwire.vhostuser.memory.MemoryTable next) {
        memory.retire(memory.swap(next));
    }

    private static RegionDescription description(MemoryRegionDesc d) {
        return new RegionDescription(d.gpa(), d.size(), d.userAddr(), d.mmapOffset());
    }

    /**
     * IOTLB_MSG (every ring is paused): update or invalidate the device IOTLB, then let every ring try to start
     * again with a view built from the new cache; a ring whose addresses are no longer translated asks the
     * front-end again and waits. Answered with u64 0, or 1 for an update outside guest memory or without
     * ACCESS_PLATFORM negotiated.
     */
    private Result iotlbMsg(IotlbMsg m) {
        if (!iommu()) {
            sessionLog.log(System.Logger.Level.WARNING, name + ": IOTLB_MSG without VIRTIO_F_ACCESS_PLATFORM acked: "
                    + m);
            return u64Reply(FrontendRequest.IOTLB_MSG, 1);
        }
        try {
            if (m.type() == IotlbMsg.Type.UPDATE) {
                iotlb.update(m.iova(), m.size(), m.userAddr(), m.permission().wire(), memory.memory());
            } else {
                iotlb.invalidate(m.iova(), m.size());
            }
        } catch (IllegalArgumentException e) {
            sessionLog.log(System.Logger.Level.WARNING, name + ": IOTLB_MSG refused: " + e.getMessage());
            return u64Reply(FrontendRequest.IOTLB_MSG, 1);
        }
        iovaView = null;
        for (Vring v : vrings) {
            v.configChanged();
        }
        return u64Reply(FrontendRequest.IOTLB_MSG, 0);
    }

    /** VIRTIO_F_ACCESS_PLATFORM acked: ring and buffer addresses are IOVAs, translated through the IOTLB. */
    private boolean iommu() {
        return (ackedFeatures & VirtioFeature.VIRTIO_F_ACCESS_PLATFORM.mask()) != 0;
    }

    /** Asks the front-end for a translation (data-path threads call this too). */
    private void iotlbMiss(long iova, boolean write) {
        BackendChannel channel = backendChannel;
        if (channel == null) {
            sessionLog.log(System.Logger.Level.WARNING, name + ": IOTLB miss at iova 0x" + Long.toHexString(iova)
                    + " but the front-end gave no back-end request channel (SET_BACKEND_REQ_FD); the ring waits");
            return;
        }
        channel.iotlbMiss(iova, write);
    }

    /** Every ring is stopped (ALL_QUEUES pause), so the old table can be unmapped at once. */
    private void install(io.virtwire.vhostuser.memory.MemoryTable next) {
        iovaView = null;
        io.virtwire.vhostuser.memory.MemoryTable old = memory.swap(next);
        memory.retire(old);
        for (Vring v : vrings) {
            v.configChanged();
        }
        device.onMemoryChanged(next.memory());
    }

    private Result setLogBase(LogBase l, ReceivedFds fds) {
        try {
            DirtyLog next = DirtyLog.map(fds.get(0), l.size(), l.offset());
            closeLog();
            log = next;
            return Result.reply(MessageCodec.encodeReplyU64(FrontendRequest.SET_LOG_BASE, 0));
        } catch (ErrnoException | RuntimeException e) {
            sessionLog.log(System.Logger.Level.WARNING, name + ": SET_LOG_BASE failed: " + e.getMessage());
            return Result.reply(MessageCodec.encodeReplyU64(FrontendRequest.SET_LOG_BASE, 1));
        }
    }

    private Result config(ConfigSpace c) {
        if (c.request() == FrontendRequest.GET_CONFIG) {
            Optional<byte[]> bytes = device.readConfig(c.offset(), c.size());
            if (bytes.isPresent() && bytes.get().length == c.size()) {
                return Result.reply(MessageCodec.encodeReplyConfig(
                        new ConfigSpace(FrontendRequest.GET_CONFIG, c.offset(), c.flags(), bytes.get())));
            }
            return Result.reply(MessageCodec.encodeReplyConfigFailure());
        }
        return device.writeConfig(c.offset(), c.contents(), c.flags() == ConfigSpace.FLAG_LIVE_MIGRATION)
                ? Result.OK
                : Result.failed("device refuses config write at offset " + c.offset() + " size " + c.size());
    }

    private Result getInflight(InflightDesc d) throws ErrnoException {
        // rings using the old buffer must let go of it before it is unmapped
        for (Vring v : vrings) {
            stop(v);
        }
        InflightRegion.Created created = InflightRegion.create(d.numQueues(), d.queueSize(), packed());
        closeInflight();
        inflight = created.region();
        byte[] reply = MessageCodec.encodeReplyInflight(InflightDesc.reply(
                InflightRegion.totalSize(d.numQueues(), d.queueSize(), packed()), 0, d.numQueues(), d.queueSize()));
        return new Result(true, reply, created.fd(), null);
    }

    private Result setInflight(InflightDesc d, ReceivedFds fds) throws ErrnoException {
        InflightRegion next = InflightRegion.map(fds.get(0), d.mmapSize(), d.mmapOffset(), d.numQueues(), d.queueSize());
        closeInflight();
        inflight = next;
        return Result.OK;
    }

    private void closeLog() {
        if (log != null) {
            log.close();
            log = null;
        }
    }

    private void closeInflight() {
        if (inflight != null) {
            inflight.close();
            inflight = null;
        }
    }

    // ------------------------------------------------------------------------------------------ ring readiness

    private boolean isReady(Vring v) {
        return v.numSet && v.addr != null && v.kickSet && v.enabled && memory.table().regionCount() > 0;
    }

    /** Starts and stops rings to match their state; returns why a ring could not start, if one could not. */
    private String recomputeReadiness() {
        String failure = null;
        for (Vring v : vrings) {
            boolean ready = isReady(v);
            if (!ready) {
                stop(v);
            } else if (v.started == null && v.startFailure == null) {
                try {
                    start(v);
                } catch (QueueConfigException | GuestMemoryException e) {
                    v.startFailure = "ring " + v.index + " cannot start: " + e.getMessage();
                    sessionLog.log(System.Logger.Level.WARNING, name + ": " + v.startFailure);
                    failure = v.startFailure;
                }
            }
        }
        return failure;
    }

    private void start(Vring v) {
        if (iommu()) {
            startTranslated(v);
            return;
        }
        GuestMemory mem = memory.memory();
        long descGpa = mem.userAddrToGpa(v.addr.descUserAddr());
        long availGpa = mem.userAddrToGpa(v.addr.availUserAddr());
        long usedGpa = mem.userAddrToGpa(v.addr.usedUserAddr());
        boolean eventIdx = (ackedFeatures & VirtioFeature.VIRTIO_F_RING_EVENT_IDX.mask()) != 0;
        int size = (int) v.num;
        Virtqueue queue;
        if (packed()) {
            PackedQueue p = new PackedQueue(size, descGpa, availGpa, usedGpa, eventIdx, mem);
            // The low half is the next avail slot and wrap counter. The used side restarts there too, as DPDK's
            // vhost and rust-vmm do: nothing is in flight when a ring starts, and DPDK's virtio-user sends 0 in the
            // high half (QEMU sends the used position, which is then the same). With an inflight buffer from a
            // back-end that died, the buffer's positions win (InflightPackedQueue).
            p.setVringBase((int) (v.base & 0xFFFF));
            queue = trackPacked(v, p);
            v.core = p;
            if (logging()) {
                queue = new LoggingQueue(p, log, new long[] {descGpa, usedGpa},
                        new long[] {PackedRingLayout.descRingSize(size), PackedRingLayout.EVENT_SIZE});
            }
        } else {
            SplitQueue s = new SplitQueue(size, descGpa, availGpa, usedGpa, eventIdx, mem);
            int base = (int) (v.base & 0xFFFF);
            MemorySegment region = inflight != null && inflight.queueSize() >= size ? inflight.queueRegion(v.index) : null;
            boolean withInflight = region != null && (ackedProtocolFeatures & ProtocolFeature.INFLIGHT_SHMFD.mask()) != 0;
            if (!withInflight && s.nextUsed() != base) {
                // A front-end reconnecting to a restarted back-end without inflight tracking (DPDK's virtio-user in
                // server mode sends 0) cannot know where we stopped; the used ring in guest memory can: resume
                // there, as DPDK's vhost library does. Chains taken but never completed by the dead process are
                // lost (the guest's TX frames were sent or dropped; RX buffers are reposted by its driver).
                sessionLog.log(System.Logger.Level.INFO, name + ": ring " + v.index + ": SET_VRING_BASE " + base
                        + " but used.idx is " + s.nextUsed() + "; resuming at used.idx");
                base = s.nextUsed();
            }
            s.setNextAvail(base);
            queue = withInflight ? new InflightSplitQueue(s, region) : s;
            v.core = s;
            if (logging()) {
                queue = new LoggingQueue(queue, log, new long[] {usedGpa}, new long[] {SplitRingLayout.usedRingSize(size)});
            }
        }
        watchErrors(v);
        device.queueStarted(v.index, queue, v.kick, v.call);
        v.started = queue;
        startedRings = true;
    }

    /**
     * Under ACCESS_PLATFORM the SET_VRING_ADDR addresses are IOVAs (QEMU passes the guest's DMA addresses). Each
     * ring part must be translated with the permission the device needs; if one is not, the front-end is asked
     * (BACKEND_IOTLB_MSG miss) and the ring waits, without error, until an IOTLB_MSG update lets it start.
     */
    private void startTranslated(Vring v) {
        if (logging()) {
            throw new QueueConfigException("dirty logging (VHOST_F_LOG_ALL) under VIRTIO_F_ACCESS_PLATFORM is not "
                    + "implemented: the log needs guest-physical addresses, the rings carry IOVAs");
        }
        if (iovaView == null) {
            iovaView = iotlb.view(memory.memory());
        }
        IotlbCache.View view = iovaView;
        int size = (int) v.num;
        boolean packed = packed();
        long desc = v.addr.descUserAddr();
        long avail = v.addr.availUserAddr();
        long used = v.addr.usedUserAddr();
        long descLen = packed ? PackedRingLayout.descRingSize(size) : SplitRingLayout.descTableSize(size);
        long availLen = packed ? PackedRingLayout.EVENT_SIZE : SplitRingLayout.availRingSize(size);
        long usedLen = packed ? PackedRingLayout.EVENT_SIZE : SplitRingLayout.usedRingSize(size);
        if (!translated(v, view.readable(), desc, descLen, false)
                || packed && !translated(v, view.writable(), desc, descLen, true)
                || !translated(v, view.readable(), avail, availLen, false)
                || !translated(v, view.writable(), used, usedLen, true)) {
            return;
        }
        boolean eventIdx = (ackedFeatures & VirtioFeature.VIRTIO_F_RING_EVENT_IDX.mask()) != 0;
        IovaMemory mem = new IovaMemory(view.readable(), view.writable(), this::iotlbMiss);
        Virtqueue queue;
        if (packed) {
            PackedQueue p = new PackedQueue(size, desc, avail, used, eventIdx, mem);
            p.setVringBase((int) (v.base & 0xFFFF));
            queue = trackPacked(v, p);
            v.core = p;
        } else {
            SplitQueue s = new SplitQueue(size, desc, avail, used, eventIdx, mem);
            s.setNextAvail((int) (v.base & 0xFFFF));
            MemorySegment region = inflight != null && inflight.queueSize() >= size ? inflight.queueRegion(v.index) : null;
            queue = region != null && (ackedProtocolFeatures & ProtocolFeature.INFLIGHT_SHMFD.mask()) != 0
                    ? new InflightSplitQueue(s, region)
                    : s;
            v.core = s;
        }
        watchErrors(v);
        device.queueStarted(v.index, queue, v.kick, v.call);
        v.started = queue;
        startedRings = true;
    }

    /** INFLIGHT_SHMFD for a packed ring: wrapped for tracking if the buffer has a packed region for it. */
    private Virtqueue trackPacked(Vring v, PackedQueue p) {
        if (inflight == null || inflight.queueSize() < p.size()
                || (ackedProtocolFeatures & ProtocolFeature.INFLIGHT_SHMFD.mask()) == 0) {
            return p;
        }
        MemorySegment region = inflight.packedQueueRegion(v.index);
        return region == null ? p : new InflightPackedQueue(p, region);
    }

    /**
     * SET_VRING_ERR: the ring's error eventfd is signalled when its queue latches broken. The fd cannot change
     * while the queue runs (SET_VRING_ERR pauses its ring), so the data-path thread may signal the one captured here.
     */
    private void watchErrors(Vring v) {
        EventFd err = v.err;
        if (err == null) {
            return;
        }
        String ring = name + " ring " + v.index;
        Runnable signal = () -> {
            try {
                err.signal();
            } catch (ErrnoException e) {
                sessionLog.log(System.Logger.Level.WARNING, ring + ": cannot signal the error eventfd: "
                        + e.getMessage());
            }
        };
        switch (v.core) {
            case SplitQueue s -> s.onBroken(signal);
            case PackedQueue p -> p.onBroken(signal);
            default -> throw new IllegalStateException("unexpected core queue " + v.core.getClass().getName());
        }
    }

    /** Whether [iova, iova + length) is in {@code view}; if not, asks for the first missing address and parks the ring. */
    private boolean translated(Vring v, GuestMemory view, long iova, long length, boolean write) {
        long missing = IovaMemory.firstUnmapped(view, iova, length);
        if (missing < 0) {
            return true;
        }
        // not a failure: no retry until the next IOTLB_MSG (or configuration change) makes one worth trying
        v.startFailure = "ring " + v.index + " waits for the IOTLB translation of iova 0x" + Long.toHexString(missing)
                + (write ? " (write)" : " (read)");
        iotlbMiss(missing, write);
        return false;
    }

    /** VHOST_F_LOG_ALL acked and a log to write: live migration is copying guest memory. */
    private boolean logging() {
        return log != null && (ackedFeatures & VirtioFeature.VHOST_F_LOG_ALL.mask()) != 0;
    }

    /** Takes ring {@code v} back from the device (which returns only once its workers let go) and saves its position. */
    private void stop(Vring v) {
        if (v.started == null) {
            return;
        }
        Virtqueue core = v.core;
        v.started = null;
        v.core = null;
        device.queueStopped(v.index);
        v.base = Vring.wireBase(core);
    }
}
