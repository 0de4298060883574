package io.virtwire.vhostuser.protocol;

import java.util.Optional;

import static io.virtwire.vhostuser.protocol.FdPolicy.ONE;
import static io.virtwire.vhostuser.protocol.FdPolicy.ONE_UNLESS_NOFD;
import static io.virtwire.vhostuser.protocol.FdPolicy.PER_REGION;
import static io.virtwire.vhostuser.protocol.FdPolicy.ZERO_OR_ONE;
import static io.virtwire.vhostuser.protocol.PayloadKind.CONFIG;
import static io.virtwire.vhostuser.protocol.PayloadKind.EMPTY;
import static io.virtwire.vhostuser.protocol.PayloadKind.INFLIGHT;
import static io.virtwire.vhostuser.protocol.PayloadKind.IOTLB;
import static io.virtwire.vhostuser.protocol.PayloadKind.LOG;
import static io.virtwire.vhostuser.protocol.PayloadKind.MEMORY_REGIONS;
import static io.virtwire.vhostuser.protocol.PayloadKind.SINGLE_MEMORY_REGION;
import static io.virtwire.vhostuser.protocol.PayloadKind.UNSUPPORTED;
import static io.virtwire.vhostuser.protocol.PayloadKind.U64;
import static io.virtwire.vhostuser.protocol.PayloadKind.VRING_ADDR;
import static io.virtwire.vhostuser.protocol.PayloadKind.VRING_STATE;
import static io.virtwire.vhostuser.protocol.QueuePause.ALL_QUEUES;
import static io.virtwire.vhostuser.protocol.QueuePause.INDEXED_QUEUE;

/**
 * Front-end to back-end requests ({@code VHOST_USER_*}) with their wire codes and static rules, in one table
 * (the DPDK {@code VHOST_MESSAGE_HANDLERS} idea). Codes, payloads and replies are from QEMU
 * docs/interop/vhost-user.rst, "Front-end message types".
 *
 * <p>Every code the spec defines is listed so that an unimplemented request is reported by name; those this
 * backend does not implement have {@link PayloadKind#UNSUPPORTED} and are rejected by the codec.
 *
 * <p>Columns: payload, fds, own reply, required protocol feature (checked against the negotiated set; the
 * negotiation requests themselves need none), and the data-plane pause needed before applying it.
 */
public enum FrontendRequest {
    //                    code  payload               fds              reply                      protocol feature                        pause
    GET_FEATURES(          1, EMPTY,                FdPolicy.NONE,  ReplyPayload.U64,          null,                                   QueuePause.NONE),
    SET_FEATURES(          2, U64,                  FdPolicy.NONE,  ReplyPayload.NONE,         null,                                   ALL_QUEUES),
    SET_OWNER(             3, EMPTY,                FdPolicy.NONE,  ReplyPayload.NONE,         null,                                   QueuePause.NONE),
    /** Deprecated; the spec recommends ignoring it or disabling all rings. */
    RESET_OWNER(           4, EMPTY,                FdPolicy.NONE,  ReplyPayload.NONE,         null,                                   ALL_QUEUES),
    SET_MEM_TABLE(         5, MEMORY_REGIONS,       PER_REGION,     ReplyPayload.NONE,         null,                                   ALL_QUEUES),
    /** The reply is sent because LOG_SHMFD is required; without it the old u64 form is not supported. */
    SET_LOG_BASE(          6, LOG,                  ONE,            ReplyPayload.U64,          ProtocolFeature.LOG_SHMFD,              ALL_QUEUES),
    SET_LOG_FD(            7, EMPTY,                ONE,            ReplyPayload.NONE,         null,                                   ALL_QUEUES),
    SET_VRING_NUM(         8, VRING_STATE,          FdPolicy.NONE,  ReplyPayload.NONE,         null,                                   INDEXED_QUEUE),
    SET_VRING_ADDR(        9, VRING_ADDR,           FdPolicy.NONE,  ReplyPayload.NONE,         null,                                   INDEXED_QUEUE),
    SET_VRING_BASE(       10, VRING_STATE,          FdPolicy.NONE,  ReplyPayload.NONE,         null,                                   INDEXED_QUEUE),
    /** Stops the ring; the reply carries the next available index. */
    GET_VRING_BASE(       11, VRING_STATE,          FdPolicy.NONE,  ReplyPayload.VRING_STATE,  null,                                   INDEXED_QUEUE),
    SET_VRING_KICK(       12, U64,                  ONE_UNLESS_NOFD, ReplyPayload.NONE,        null,                                   INDEXED_QUEUE),
    SET_VRING_CALL(       13, U64,                  ONE_UNLESS_NOFD, ReplyPayload.NONE,        null,                                   INDEXED_QUEUE),
    SET_VRING_ERR(        14, U64,                  ONE_UNLESS_NOFD, ReplyPayload.NONE,        null,                                   INDEXED_QUEUE),
    GET_PROTOCOL_FEATURES(15, EMPTY,                FdPolicy.NONE,  ReplyPayload.U64,          null,                                   QueuePause.NONE),
    SET_PROTOCOL_FEATURES(16, U64,                  FdPolicy.NONE,  ReplyPayload.NONE,         null,                                   QueuePause.NONE),
    GET_QUEUE_NUM(        17, EMPTY,                FdPolicy.NONE,  ReplyPayload.U64,          ProtocolFeature.MQ,                     QueuePause.NONE),
    SET_VRING_ENABLE(     18, VRING_STATE,          FdPolicy.NONE,  ReplyPayload.NONE,         null,                                   INDEXED_QUEUE),
    SEND_RARP(            19, U64,                  FdPolicy.NONE,  ReplyPayload.NONE,         ProtocolFeature.RARP,                   QueuePause.NONE),
    NET_SET_MTU(          20, U64,                  FdPolicy.NONE,  ReplyPayload.NONE,         ProtocolFeature.NET_MTU,                QueuePause.NONE),
    SET_BACKEND_REQ_FD(   21, EMPTY,                ONE,            ReplyPayload.NONE,         ProtocolFeature.BACKEND_REQ,            QueuePause.NONE),
    /**
     * The spec gates this on the virtio feature VIRTIO_F_IOMMU_PLATFORM, not on a protocol feature (there is
     * no "IOTLB" protocol feature); the dispatcher checks the acked virtio features. Always answered with a u64.
     */
    IOTLB_MSG(            22, IOTLB,                FdPolicy.NONE,  ReplyPayload.U64,          null,                                   ALL_QUEUES),
    SET_VRING_ENDIAN(     23, UNSUPPORTED,          FdPolicy.NONE,  ReplyPayload.NONE,         ProtocolFeature.CROSS_ENDIAN,           QueuePause.NONE),
    GET_CONFIG(           24, CONFIG,               FdPolicy.NONE,  ReplyPayload.CONFIG,       ProtocolFeature.CONFIG,                 QueuePause.NONE),
    SET_CONFIG(           25, CONFIG,               FdPolicy.NONE,  ReplyPayload.NONE,         ProtocolFeature.CONFIG,                 QueuePause.NONE),
    CREATE_CRYPTO_SESSION(26, UNSUPPORTED,          FdPolicy.NONE,  ReplyPayload.NONE,         ProtocolFeature.CRYPTO_SESSION,         QueuePause.NONE),
    CLOSE_CRYPTO_SESSION( 27, UNSUPPORTED,          FdPolicy.NONE,  ReplyPayload.NONE,         ProtocolFeature.CRYPTO_SESSION,         QueuePause.NONE),
    POSTCOPY_ADVISE(      28, UNSUPPORTED,          FdPolicy.NONE,  ReplyPayload.NONE,         ProtocolFeature.PAGEFAULT,              QueuePause.NONE),
    POSTCOPY_LISTEN(      29, UNSUPPORTED,          FdPolicy.NONE,  ReplyPayload.NONE,         ProtocolFeature.PAGEFAULT,              QueuePause.NONE),
    POSTCOPY_END(         30, UNSUPPORTED,          FdPolicy.NONE,  ReplyPayload.NONE,         ProtocolFeature.PAGEFAULT,              QueuePause.NONE),
    /** The reply carries the inflight description and one fd (the spec's "reply payload: N/A" is wrong here). */
    GET_INFLIGHT_FD(      31, INFLIGHT,             FdPolicy.NONE,  ReplyPayload.INFLIGHT,     ProtocolFeature.INFLIGHT_SHMFD,         QueuePause.NONE),
    SET_INFLIGHT_FD(      32, INFLIGHT,             ONE,            ReplyPayload.NONE,         ProtocolFeature.INFLIGHT_SHMFD,         ALL_QUEUES),
    GPU_SET_SOCKET(       33, UNSUPPORTED,          FdPolicy.NONE,  ReplyPayload.NONE,         null,                                   QueuePause.NONE),
    RESET_DEVICE(         34, EMPTY,                FdPolicy.NONE,  ReplyPayload.NONE,         ProtocolFeature.RESET_DEVICE,           ALL_QUEUES),
    VRING_KICK(           35, UNSUPPORTED,          FdPolicy.NONE,  ReplyPayload.NONE,         ProtocolFeature.INBAND_NOTIFICATIONS,   QueuePause.NONE),
    GET_MAX_MEM_SLOTS(    36, EMPTY,                FdPolicy.NONE,  ReplyPayload.U64,          ProtocolFeature.CONFIGURE_MEM_SLOTS,    QueuePause.NONE),
    ADD_MEM_REG(          37, SINGLE_MEMORY_REGION, ONE,            ReplyPayload.NONE,         ProtocolFeature.CONFIGURE_MEM_SLOTS,    ALL_QUEUES),
    REM_MEM_REG(          38, SINGLE_MEMORY_REGION, ZERO_OR_ONE,    ReplyPayload.NONE,         ProtocolFeature.CONFIGURE_MEM_SLOTS,    ALL_QUEUES),
    /** Status 0 resets the device, hence the pause. */
    SET_STATUS(           39, U64,                  FdPolicy.NONE,  ReplyPayload.NONE,         ProtocolFeature.STATUS,                 ALL_QUEUES),
    GET_STATUS(           40, EMPTY,                FdPolicy.NONE,  ReplyPayload.U64,          ProtocolFeature.STATUS,                 QueuePause.NONE),
    GET_SHARED_OBJECT(    41, UNSUPPORTED,          FdPolicy.NONE,  ReplyPayload.NONE,         ProtocolFeature.SHARED_OBJECT,          QueuePause.NONE),
    SET_DEVICE_STATE_FD(  42, UNSUPPORTED,          FdPolicy.NONE,  ReplyPayload.NONE,         ProtocolFeature.DEVICE_STATE,           QueuePause.NONE),
    CHECK_DEVICE_STATE(   43, UNSUPPORTED,          FdPolicy.NONE,  ReplyPayload.NONE,         ProtocolFeature.DEVICE_STATE,           QueuePause.NONE);

    private static final FrontendRequest[] BY_CODE = new FrontendRequest[64];

    static {
        for (FrontendRequest r : values()) {
            if (BY_CODE[r.code] != null) {
                throw new ExceptionInInitializerError("duplicate vhost-user request code " + r.code);
            }
            BY_CODE[r.code] = r;
        }
    }

    private final int code;
    private final PayloadKind payload;
    private final FdPolicy fdPolicy;
    private final ReplyPayload reply;
    private final ProtocolFeature requiredProtocolFeature;
    private final QueuePause queuePause;

    FrontendRequest(int code, PayloadKind payload, FdPolicy fdPolicy, ReplyPayload reply,
                    ProtocolFeature requiredProtocolFeature, QueuePause queuePause) {
        this.code = code;
        this.payload = payload;
        this.fdPolicy = fdPolicy;
        this.reply = reply;
        this.requiredProtocolFeature = requiredProtocolFeature;
        this.queuePause = queuePause;
    }

    /** The u32 wire code. */
    public int code() {
        return code;
    }

    public PayloadKind payload() {
        return payload;
    }

    public FdPolicy fdPolicy() {
        return fdPolicy;
    }

    /** What the request's own reply carries; {@link ReplyPayload#NONE} if it has none. */
    public ReplyPayload reply() {
        return reply;
    }

    public boolean hasReply() {
        return reply.exists();
    }

    /** The protocol feature that must have been negotiated before this request is legal. */
    public Optional<ProtocolFeature> requiredProtocolFeature() {
        return Optional.ofNullable(requiredProtocolFeature);
    }

    public QueuePause queuePause() {
        return queuePause;
    }

    public boolean pausesQueues() {
        return queuePause.pausesQueues();
    }

    /** False for requests listed only so they can be named in errors; the codec rejects them. */
    public boolean isSupported() {
        return payload != UNSUPPORTED;
    }

    /** The C name used in the spec, e.g. {@code VHOST_USER_SET_VRING_ADDR}. */
    public String specName() {
        return "VHOST_USER_" + name();
    }

    /**
     * The request with this u32 wire code.
     *
     * @param code the header's request field, as an unsigned value
     */
    public static Optional<FrontendRequest> ofCode(long code) {
        if (code < 0 || code >= BY_CODE.length) {
            return Optional.empty();
        }
        return Optional.ofNullable(BY_CODE[(int) code]);
    }
}
