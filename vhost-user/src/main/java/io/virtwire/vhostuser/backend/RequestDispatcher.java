package io.virtwire.vhostuser.backend;

import io.virtwire.linux.ErrnoException;
import io.virtwire.memory.GuestMemory;
import io.virtwire.memory.GuestMemoryException;
import io.virtwire.vhostuser.protocol.ConfigSpace;
import io.virtwire.vhostuser.protocol.DeviceStatus;
import io.virtwire.vhostuser.protocol.Empty;
import io.virtwire.vhostuser.protocol.FrontendMessage;
import io.virtwire.vhostuser.protocol.FrontendRequest;
import io.virtwire.vhostuser.protocol.InflightDesc;
import io.virtwire.vhostuser.protocol.IotlbMsg;
import io.virtwire.vhostuser.protocol.LogBase;
import io.virtwire.vhostuser.protocol.MemoryTable;
import io.virtwire.vhostuser.protocol.MessageCodec;
import io.virtwire.vhostuser.protocol.NetMtu;
import io.virtwire.vhostuser.protocol.SendRarp;
import io.virtwire.vhostuser.protocol.SingleMemoryRegion;
import io.virtwire.vhostuser.protocol.U64;
import io.virtwire.vhostuser.protocol.VringAddr;
import io.virtwire.vhostuser.protocol.VringFile;
import io.virtwire.vhostuser.protocol.VringState;
import io.virtwire.vhostuser.transport.ReceivedFds;

import java.util.Optional;

/**
 * Applies one decoded request: pause the rings it affects (its {@link FrontendRequest#queuePause()} row), run its
 * handler, start whatever rings are ready now. Owns the protocol state (features, owner, status) and the parts it
 * delegates to: {@link RingSet} (vrings, start and stop), {@link SessionMemory} (memory table, IOTLB),
 * {@link MigrationState} (dirty log, inflight) and the back-end request channel.
 *
 * <p>Each request is bound to its handler in one {@code switch} over {@link FrontendRequest}, with no default: a
 * request added to the table does not compile until it is given a handler here (or is listed with the requests the
 * codec refuses), as rust-vmm's {@code match} and DPDK's handler table bind them. The codec has checked the payload
 * record against the request's payload kind, so each arm's cast cannot fail.
 */
final class RequestDispatcher implements AutoCloseable {

    private final VhostUserDevice device;
    private final SessionLog log;
    private final String name;
    private final FeatureNegotiation features;
    private final SessionMemory memory = new SessionMemory();
    private final MigrationState migration = new MigrationState();
    private final BackendChannelSlot backendChannel;
    private final RingSet rings;
    private boolean owner;
    private int status;

    RequestDispatcher(VhostUserDevice device, SessionLog log, String name) {
        this.device = device;
        this.log = log;
        this.name = name;
        this.features = new FeatureNegotiation(device);
        this.backendChannel = new BackendChannelSlot(log, name);
        this.rings = new RingSet(device,
                new QueueAssembler(features, memory, migration, backendChannel, log, name), log, name);
    }

    FeatureNegotiation features() {
        return features;
    }

    RingSet rings() {
        return rings;
    }

    GuestMemory memory() {
        return memory.memory();
    }

    boolean isOwned() {
        return owner;
    }

    /**
     * Applies {@code message}; fds its handler keeps are taken from {@code fds}, the rest stay there to be closed.
     * A request that cannot be applied, or after which a ready ring cannot start, is a failed result; only a bug
     * throws.
     */
    HandlerResult apply(FrontendMessage message, ReceivedFds fds) {
        HandlerResult result;
        try {
            if (!repeatsCurrentState(message, fds)) {
                rings.pause(message);
            }
            result = dispatch(message, fds);
        } catch (RequestFailedException | ErrnoException | GuestMemoryException | IllegalArgumentException
                 | IllegalStateException e) {
            result = HandlerResult.failed(e.getMessage());
        }
        String startFailure = rings.startReady(!memory.isEmpty());
        return result.ok() && startFailure != null ? result.failedWith(startFailure) : result;
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
                case U64 u -> u.request() == FrontendRequest.SET_FEATURES && features.repeats(u.value());
                case MemoryTable t -> memory.repeats(t, fds);
                case SingleMemoryRegion r -> memory.repeats(r, fds);
                case Empty _, VringState _, VringAddr _, VringFile _, LogBase _, IotlbMsg _, ConfigSpace _,
                     InflightDesc _, DeviceStatus _, SendRarp _, NetMtu _ -> false;
            };
        } catch (ErrnoException | RuntimeException e) {
            return false; // the handler meets the same problem and reports it
        }
    }

    private HandlerResult dispatch(FrontendMessage m, ReceivedFds fds) throws RequestFailedException, ErrnoException {
        FrontendRequest request = m.request();
        return switch (request) {
            case GET_FEATURES -> u64Reply(request, features.offered());
            case SET_FEATURES -> setFeatures(((U64) m).value());
            case SET_OWNER -> {
                owner = true;
                yield HandlerResult.OK;
            }
            case RESET_OWNER -> {
                rings.disableAll();
                yield HandlerResult.OK;
            }
            case SET_MEM_TABLE -> memoryChanged(memory.setTable((MemoryTable) m, fds));
            case SET_LOG_BASE -> setLogBase((LogBase) m, fds);
            case SET_LOG_FD -> HandlerResult.OK; // legacy log fd; the descriptor is closed with the message
            case SET_VRING_NUM -> {
                rings.setNum((VringState) m, features.packed());
                yield HandlerResult.OK;
            }
            case SET_VRING_ADDR -> {
                rings.setAddr((VringAddr) m);
                yield HandlerResult.OK;
            }
            case SET_VRING_BASE -> {
                rings.setBase((VringState) m, features.packed());
                yield HandlerResult.OK;
            }
            case GET_VRING_BASE -> {
                VringState s = (VringState) m;
                yield HandlerResult.reply(MessageCodec.encodeReplyVringState(s.index(), rings.takeBase(s)));
            }
            case SET_VRING_KICK -> {
                rings.setKick((VringFile) m, fds);
                yield HandlerResult.OK;
            }
            case SET_VRING_CALL -> {
                rings.setCall((VringFile) m, fds);
                yield HandlerResult.OK;
            }
            case SET_VRING_ERR -> {
                rings.setErr((VringFile) m, fds);
                yield HandlerResult.OK;
            }
            case GET_PROTOCOL_FEATURES -> u64Reply(request, features.offeredProtocol());
            case SET_PROTOCOL_FEATURES -> {
                features.ackProtocol(((U64) m).value());
                yield HandlerResult.OK;
            }
            case GET_QUEUE_NUM -> u64Reply(request, device.queueNumReply());
            case SET_VRING_ENABLE -> {
                rings.setEnabled((VringState) m);
                yield HandlerResult.OK;
            }
            case SEND_RARP -> {
                device.sendRarp(((SendRarp) m).macBytes());
                yield HandlerResult.OK;
            }
            case NET_SET_MTU -> {
                int mtu = ((NetMtu) m).mtu();
                yield device.setMtu(mtu) ? HandlerResult.OK : HandlerResult.failed("device refuses MTU " + mtu);
            }
            case SET_BACKEND_REQ_FD -> {
                backendChannel.replace(fds.take(0));
                yield HandlerResult.OK;
            }
            case IOTLB_MSG -> iotlbMsg((IotlbMsg) m);
            case GET_CONFIG -> getConfig((ConfigSpace) m);
            case SET_CONFIG -> setConfig((ConfigSpace) m);
            case GET_INFLIGHT_FD -> getInflight((InflightDesc) m);
            case SET_INFLIGHT_FD -> {
                InflightDesc d = (InflightDesc) m;
                migration.mapInflight(fds.get(0), d.mmapSize(), d.mmapOffset(), d.numQueues(), d.queueSize());
                yield HandlerResult.OK;
            }
            case RESET_DEVICE -> {
                rings.reset();
                features.resetDevice();
                status = 0;
                memory.resetIotlb();
                yield HandlerResult.OK;
            }
            case GET_MAX_MEM_SLOTS -> u64Reply(request, SessionMemory.MAX_MEM_SLOTS);
            case ADD_MEM_REG -> memoryChanged(memory.addRegion(((SingleMemoryRegion) m).region(), fds.get(0)));
            case REM_MEM_REG -> memoryChanged(memory.removeRegion(((SingleMemoryRegion) m).region()));
            case SET_STATUS -> {
                status = ((DeviceStatus) m).status();
                yield HandlerResult.OK;
            }
            case GET_STATUS -> u64Reply(request, status);
            case SET_VRING_ENDIAN, CREATE_CRYPTO_SESSION, CLOSE_CRYPTO_SESSION, POSTCOPY_ADVISE, POSTCOPY_LISTEN,
                 POSTCOPY_END, GPU_SET_SOCKET, VRING_KICK, GET_SHARED_OBJECT, SET_DEVICE_STATE_FD, CHECK_DEVICE_STATE ->
                    throw new IllegalStateException(request + " is not implemented; the codec refuses it before dispatch");
        };
    }

    private static HandlerResult u64Reply(FrontendRequest request, long value) {
        return HandlerResult.reply(MessageCodec.encodeReplyU64(request, value));
    }

    private HandlerResult setFeatures(long acked) throws RequestFailedException {
        if (!features.ack(acked)) {
            // the next queue pair's vhost device acking what the first one did (see repeatsCurrentState); nothing
            // changes, and the rings of the pairs already running were not paused
            return HandlerResult.OK;
        }
        if (features.ringsStartEnabled()) {
            rings.enableAll();
        }
        rings.configChanged();
        device.featuresAcked(acked);
        return HandlerResult.OK;
    }

    /** After a memory change: the rings are rebuilt on the new memory, and the device hears of it first. */
    private HandlerResult memoryChanged(GuestMemory remapped) {
        if (remapped != null) {
            rings.configChanged();
            device.onMemoryChanged(remapped);
        }
        return HandlerResult.OK;
    }

    /** The reply is a u64 status (LOG_SHMFD): a log that cannot be mapped is refused and the session goes on. */
    private HandlerResult setLogBase(LogBase l, ReceivedFds fds) {
        try {
            migration.mapLog(fds.get(0), l.size(), l.offset());
            return u64Reply(FrontendRequest.SET_LOG_BASE, 0);
        } catch (ErrnoException | RuntimeException e) {
            log.log(System.Logger.Level.WARNING, name + ": SET_LOG_BASE failed: " + e.getMessage());
            return u64Reply(FrontendRequest.SET_LOG_BASE, 1);
        }
    }

    /**
     * IOTLB_MSG (every ring is paused): update or invalidate the device IOTLB, then let every ring try to start
     * again with a view built from the new cache; a ring whose addresses are no longer translated asks the
     * front-end again and waits. Answered with u64 0, or 1 for an update outside guest memory or without
     * ACCESS_PLATFORM negotiated.
     */
    private HandlerResult iotlbMsg(IotlbMsg m) {
        if (!features.accessPlatform()) {
            log.log(System.Logger.Level.WARNING, name + ": IOTLB_MSG without VIRTIO_F_ACCESS_PLATFORM acked: " + m);
            return u64Reply(FrontendRequest.IOTLB_MSG, 1);
        }
        try {
            memory.applyIotlb(m);
        } catch (IllegalArgumentException e) {
            log.log(System.Logger.Level.WARNING, name + ": IOTLB_MSG refused: " + e.getMessage());
            return u64Reply(FrontendRequest.IOTLB_MSG, 1);
        }
        rings.configChanged();
        return u64Reply(FrontendRequest.IOTLB_MSG, 0);
    }

    /** GET_CONFIG's reply cannot say "failed" but by being empty. */
    private HandlerResult getConfig(ConfigSpace c) {
        Optional<byte[]> bytes = device.readConfig(c.offset(), c.size());
        if (bytes.isPresent() && bytes.get().length == c.size()) {
            return HandlerResult.reply(MessageCodec.encodeReplyConfig(
                    new ConfigSpace(FrontendRequest.GET_CONFIG, c.offset(), c.flags(), bytes.get())));
        }
        return HandlerResult.reply(MessageCodec.encodeReplyConfigFailure());
    }

    private HandlerResult setConfig(ConfigSpace c) {
        return device.writeConfig(c.offset(), c.contents(), c.flags() == ConfigSpace.FLAG_LIVE_MIGRATION)
                ? HandlerResult.OK
                : HandlerResult.failed("device refuses config write at offset " + c.offset() + " size " + c.size());
    }

    /** GET_INFLIGHT_FD: a fresh buffer; its fd goes back with the reply. */
    private HandlerResult getInflight(InflightDesc d) throws ErrnoException {
        // rings using the old buffer must let go of it before it is unmapped
        rings.stopAll();
        boolean packed = features.packed();
        InflightRegion.Created created = migration.createInflight(d.numQueues(), d.queueSize(), packed);
        byte[] reply = MessageCodec.encodeReplyInflight(InflightDesc.reply(
                InflightRegion.totalSize(d.numQueues(), d.queueSize(), packed), 0, d.numQueues(), d.queueSize()));
        return HandlerResult.reply(reply, created.fd());
    }

    /**
     * End of session: stops every ring and tells the device, then releases the rings' fds, the mappings, the log,
     * the inflight buffer and the back-end request channel, whatever failed before.
     */
    @Override
    public void close() {
        try {
            rings.stopAll();
            device.sessionClosed();
        } finally {
            rings.close();
            memory.close();
            migration.close();
            backendChannel.close();
        }
    }
}
