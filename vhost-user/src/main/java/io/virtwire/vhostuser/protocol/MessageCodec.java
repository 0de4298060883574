package io.virtwire.vhostuser.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns (header, payload, fd count) into a validated {@link FrontendMessage}, and messages and replies into
 * bytes. Every check a hostile front-end can trip is here, once, before any handler runs (design doc 6.4
 * rule 1; rust-vmm's {@code extract_request_body} + {@code is_valid}):
 * <ol>
 *   <li>the request code is known;</li>
 *   <li>version bits are 1, REPLY is not set, no reserved flag bit is set;</li>
 *   <li>the request's protocol feature was negotiated, and the request is one this back-end implements;</li>
 *   <li>the payload size is the one the request's layout allows (exact, or exact for the count it declares);</li>
 *   <li>every field is in range (record constructors), read at full width before narrowing;</li>
 *   <li>the number of attached fds matches the request's {@link FdPolicy};</li>
 *   <li>vring indices and queue counts are below the device's queue count.</li>
 * </ol>
 * Pure functions: no sockets, no state. Byte order is the host's, which must be little-endian.
 */
public final class MessageCodec {

    static {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new ExceptionInInitializerError("vhost-user messages are in host byte order and this codec"
                    + " assumes little-endian; this host is " + ByteOrder.nativeOrder());
        }
    }

    /** The largest payload any supported front-end request may have (GET/SET_CONFIG with 256 bytes). */
    public static final int MAX_PAYLOAD_SIZE;

    static {
        int max = 0;
        for (FrontendRequest r : FrontendRequest.values()) {
            max = Math.max(max, r.payload().maxSize());
        }
        MAX_PAYLOAD_SIZE = max;
    }

    private static final long U64_ACK_OK = 0;
    private static final long U64_ACK_FAILED = 1;

    private MessageCodec() {
    }

    // ---------------------------------------------------------------------------------------------- decoding

    /**
     * Decodes a front-end request for a device with the protocol-wide maximum of {@link WireLimits#MAX_VRINGS}
     * vrings.
     */
    public static FrontendMessage decode(MessageHeader header, byte[] payload, int fdCount, long negotiatedProtocolFeatures)
            throws ProtocolException {
        return decode(header, payload, fdCount, negotiatedProtocolFeatures, WireLimits.MAX_VRINGS);
    }

    /**
     * Decodes and validates a front-end request.
     *
     * @param header                     the received header
     * @param payload                    exactly {@code header.size()} bytes that followed it
     * @param fdCount                    fds received with the message (SCM_RIGHTS); the caller keeps and closes them
     * @param negotiatedProtocolFeatures protocol features acked by SET_PROTOCOL_FEATURES so far (0 before)
     * @param maxQueues                  the device's vring count, 1..{@link WireLimits#MAX_VRINGS}
     * @throws ProtocolException naming the request and the rule broken
     */
    public static FrontendMessage decode(MessageHeader header, byte[] payload, int fdCount, long negotiatedProtocolFeatures,
                                         int maxQueues) throws ProtocolException {
        if (fdCount < 0) {
            throw new IllegalArgumentException("fd count " + fdCount + " is negative");
        }
        if (maxQueues < 1 || maxQueues > WireLimits.MAX_VRINGS) {
            throw new IllegalArgumentException("maxQueues " + maxQueues + " is outside 1.." + WireLimits.MAX_VRINGS);
        }
        FrontendRequest request = checkHeader(header, negotiatedProtocolFeatures);
        if (payload.length != header.size()) {
            throw new ProtocolException(request, "payload holds " + payload.length + " bytes, header says " + header.size());
        }
        FrontendMessage message;
        try {
            message = parse(request, ByteBuffer.wrap(payload).order(MessageHeader.ORDER));
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(request, e.getMessage());
        }
        checkFds(message, fdCount);
        checkQueueBounds(message, maxQueues);
        return message;
    }

    /**
     * The checks that need only the header: code, flags, negotiated feature, support, and size bounds. The
     * transport may call this before reading the payload, to refuse an oversized one without reading it.
     *
     * @return the request
     */
    public static FrontendRequest checkHeader(MessageHeader header, long negotiatedProtocolFeatures) throws ProtocolException {
        FrontendRequest request = header.frontendRequest().orElseThrow(() -> ProtocolException.unknownRequest(header.request()));
        if (header.version() != MessageHeader.VERSION) {
            throw new ProtocolException(request, "header version is " + header.version() + ", expected 1 (flags 0x"
                    + Integer.toHexString(header.flags()) + ")");
        }
        if (header.isReply()) {
            throw new ProtocolException(request, "REPLY flag (0x4) set on a front-end request");
        }
        if (header.reservedFlags() != 0) {
            throw new ProtocolException(request, "flags 0x" + Integer.toHexString(header.flags()) + " have reserved bits 0x"
                    + Integer.toHexString(header.reservedFlags()) + " set");
        }
        ProtocolFeatures negotiated = new ProtocolFeatures(negotiatedProtocolFeatures);
        var required = request.requiredProtocolFeature();
        if (required.isPresent() && !negotiated.has(required.get())) {
            throw new ProtocolException(request, "requires protocol feature " + required.get() + ", not negotiated");
        }
        if (!request.isSupported()) {
            throw new ProtocolException(request, "not supported by this back-end");
        }
        if (negotiated.has(ProtocolFeature.XEN_MMAP)
                && (request.payload() == PayloadKind.MEMORY_REGIONS || request.payload() == PayloadKind.SINGLE_MEMORY_REGION)) {
            throw new ProtocolException(request, "protocol feature XEN_MMAP changes the region layout; not supported");
        }
        PayloadKind kind = request.payload();
        if (header.size() < kind.minSize() || header.size() > kind.maxSize()) {
            String expected = kind.isFixedSize() ? String.valueOf(kind.minSize()) : kind.minSize() + ".." + kind.maxSize();
            throw new ProtocolException(request, "payload is " + header.size() + " bytes, expected " + expected);
        }
        return request;
    }

    private static FrontendMessage parse(FrontendRequest request, ByteBuffer p) throws ProtocolException {
        return switch (request.payload()) {
            case EMPTY -> new Empty(request);
            case U64 -> parseU64(request, p.getLong(0));
            case VRING_STATE -> new VringState(request, vringIndex(p.getInt(0)), Integer.toUnsignedLong(p.getInt(4)));
            case VRING_ADDR -> new VringAddr(vringIndex(p.getInt(0)), p.getInt(4), p.getLong(8), p.getLong(16), p.getLong(24),
                    p.getLong(32));
            case MEMORY_REGIONS -> parseMemoryTable(request, p);
            case SINGLE_MEMORY_REGION -> new SingleMemoryRegion(request, region(p, 8));
            case LOG -> new LogBase(p.getLong(0), p.getLong(8));
            case IOTLB -> iotlb(p);
            case CONFIG -> parseConfig(request, p);
            case INFLIGHT -> new InflightDesc(request, p.getLong(0), p.getLong(8), p.getShort(16) & 0xFFFF, p.getShort(18) & 0xFFFF);
            case UNSUPPORTED -> throw new ProtocolException(request, "not supported by this back-end");
        };
    }

    /**
     * An invalidation carries only iova and size: QEMU's vhost_backend_invalidate_device_iotlb leaves perm and
     * uaddr uninitialised (stack garbage was seen here: "permission 6"), so they are not read for it.
     */
    private static IotlbMsg iotlb(ByteBuffer p) {
        IotlbMsg.Type type = IotlbMsg.Type.ofWire(p.get(25) & 0xFF);
        if (type == IotlbMsg.Type.INVALIDATE) {
            return new IotlbMsg(p.getLong(0), p.getLong(8), 0, IotlbMsg.Permission.NONE, type);
        }
        return new IotlbMsg(p.getLong(0), p.getLong(8), p.getLong(16), IotlbMsg.Permission.ofWire(p.get(24) & 0xFF), type);
    }

    private static FrontendMessage parseU64(FrontendRequest request, long value) {
        return switch (request) {
            case SET_FEATURES, SET_PROTOCOL_FEATURES -> new U64(request, value);
            case SET_VRING_KICK, SET_VRING_CALL, SET_VRING_ERR -> VringFile.fromU64(request, value);
            case SEND_RARP -> {
                // the MAC is the first six bytes in memory, i.e. the low six bytes of the little-endian u64
                byte[] mac = new byte[SendRarp.MAC_LENGTH];
                for (int i = 0; i < mac.length; i++) {
                    mac[i] = (byte) (value >>> (8 * i));
                }
                yield SendRarp.ofBytes(mac);
            }
            case NET_SET_MTU -> new NetMtu(narrow(value, WireLimits.MAX_MTU, "MTU"));
            case SET_STATUS -> new DeviceStatus(narrow(value, 0xFF, "device status"));
            default -> throw new IllegalStateException(request + " is listed with a u64 payload but has no decoder");
        };
    }

    /** A u32 vring index read at full width: narrowing first would let index 2^32-1 pass as -1 or 255. */
    private static int vringIndex(int raw) {
        long index = Integer.toUnsignedLong(raw);
        if (index >= WireLimits.MAX_VRINGS) {
            throw new IllegalArgumentException("vring index " + index + " is not below " + WireLimits.MAX_VRINGS);
        }
        return (int) index;
    }

    private static int narrow(long value, int max, String what) {
        if (Long.compareUnsigned(value, max) > 0) {
            throw new IllegalArgumentException(what + " " + Long.toUnsignedString(value) + " is above " + max);
        }
        return (int) value;
    }

    private static MemoryRegionDesc region(ByteBuffer p, int offset) {
        return new MemoryRegionDesc(p.getLong(offset), p.getLong(offset + 8), p.getLong(offset + 16), p.getLong(offset + 24));
    }

    private static MemoryTable parseMemoryTable(FrontendRequest request, ByteBuffer p) throws ProtocolException {
        long count = Integer.toUnsignedLong(p.getInt(0));
        if (count < 1 || count > WireLimits.MAX_MEM_TABLE_REGIONS) {
            throw new ProtocolException(request, "num regions is " + count + ", expected 1.." + WireLimits.MAX_MEM_TABLE_REGIONS);
        }
        int expected = PayloadKind.MEMORY_REGIONS_HEADER_SIZE + (int) count * PayloadKind.REGION_SIZE;
        if (p.capacity() != expected) {
            throw new ProtocolException(request, "payload is " + p.capacity() + " bytes, expected " + expected + " for "
                    + count + " regions");
        }
        List<MemoryRegionDesc> regions = new ArrayList<>((int) count);
        for (int i = 0; i < count; i++) {
            try {
                regions.add(region(p, PayloadKind.MEMORY_REGIONS_HEADER_SIZE + i * PayloadKind.REGION_SIZE));
            } catch (IllegalArgumentException e) {
                throw new ProtocolException(request, "region " + i + ": " + e.getMessage());
            }
        }
        return new MemoryTable(regions);
    }

    private static ConfigSpace parseConfig(FrontendRequest request, ByteBuffer p) throws ProtocolException {
        long offset = Integer.toUnsignedLong(p.getInt(0));
        long size = Integer.toUnsignedLong(p.getInt(4));
        long flags = Integer.toUnsignedLong(p.getInt(8));
        if (size != p.capacity() - PayloadKind.CONFIG_HEADER_SIZE) {
            throw new ProtocolException(request, "payload is " + p.capacity() + " bytes, expected "
                    + PayloadKind.CONFIG_HEADER_SIZE + " + size " + size);
        }
        if (offset > WireLimits.MAX_CONFIG_SIZE) {
            throw new ProtocolException(request, "config access offset " + offset + " + size " + size + " exceeds the "
                    + WireLimits.MAX_CONFIG_SIZE + "-byte config space limit");
        }
        byte[] contents = new byte[(int) size];
        p.get(PayloadKind.CONFIG_HEADER_SIZE, contents);
        return new ConfigSpace(request, (int) offset, (int) flags, contents);
    }

    private static void checkFds(FrontendMessage message, int fdCount) throws ProtocolException {
        FrontendRequest request = message.request();
        switch (request.fdPolicy()) {
            case NONE -> {
                if (fdCount != 0) {
                    throw new ProtocolException(request, fds(fdCount) + " attached, expected none");
                }
            }
            case ONE -> {
                if (fdCount != 1) {
                    throw new ProtocolException(request, fds(fdCount) + " attached, expected exactly 1");
                }
            }
            case ONE_UNLESS_NOFD -> {
                boolean noFd = ((VringFile) message).noFd();
                if (noFd && fdCount != 0) {
                    throw new ProtocolException(request, fds(fdCount) + " attached but the NOFD flag (0x100) is set");
                }
                if (!noFd && fdCount != 1) {
                    throw new ProtocolException(request, fds(fdCount) + " attached and the NOFD flag (0x100) is clear, expected exactly 1");
                }
            }
            case PER_REGION -> {
                int regions = ((MemoryTable) message).regions().size();
                if (fdCount != regions) {
                    throw new ProtocolException(request, fds(fdCount) + " for " + regions + (regions == 1 ? " region" : " regions"));
                }
            }
            case ZERO_OR_ONE -> {
                if (fdCount > 1) {
                    throw new ProtocolException(request, fds(fdCount) + " attached, expected at most 1");
                }
            }
        }
    }

    private static String fds(int count) {
        return count == 1 ? "1 fd" : count + " fds";
    }

    private static void checkQueueBounds(FrontendMessage message, int maxQueues) throws ProtocolException {
        int index = switch (message) {
            case VringState s -> s.index();
            case VringAddr a -> a.index();
            case VringFile f -> f.index();
            default -> -1;
        };
        if (index >= maxQueues) {
            throw new ProtocolException(message.request(), "vring index " + index + " is not below the device's "
                    + maxQueues + " queues");
        }
        if (message instanceof InflightDesc d && d.numQueues() > maxQueues) {
            throw new ProtocolException(message.request(), "num queues " + d.numQueues() + " exceeds the device's "
                    + maxQueues + " queues");
        }
    }

    // ---------------------------------------------------------------------------------------------- encoding

    /** Header and payload of a front-end request, version 1, without NEED_REPLY. */
    public static byte[] encode(FrontendMessage message) {
        return encode(message, false);
    }

    /** Header and payload of a front-end request, version 1, with NEED_REPLY if asked. */
    public static byte[] encode(FrontendMessage message, boolean needReply) {
        byte[] payload = payloadOf(message);
        return frame(MessageHeader.forRequest(message.request(), payload.length, needReply), payload);
    }

    /** The payload bytes of a message, as {@link #decode} expects them. */
    public static byte[] payloadOf(FrontendMessage message) {
        return switch (message) {
            case Empty e -> new byte[0];
            case U64 u -> u64(u.value());
            case VringState s -> buffer(8).putInt(s.index()).putInt((int) s.num()).array();
            case VringAddr a -> buffer(40).putInt(a.index()).putInt(a.flags()).putLong(a.descUserAddr())
                    .putLong(a.usedUserAddr()).putLong(a.availUserAddr()).putLong(a.logGuestAddr()).array();
            case VringFile f -> u64(f.toU64());
            case MemoryTable t -> {
                ByteBuffer b = buffer(PayloadKind.MEMORY_REGIONS_HEADER_SIZE + t.regions().size() * PayloadKind.REGION_SIZE)
                        .putInt(t.regions().size()).putInt(0);
                t.regions().forEach(r -> putRegion(b, r));
                yield b.array();
            }
            case SingleMemoryRegion s -> putRegion(buffer(40).putLong(0), s.region()).array();
            case LogBase l -> buffer(16).putLong(l.size()).putLong(l.offset()).array();
            case IotlbMsg m -> buffer(32).putLong(m.iova()).putLong(m.size()).putLong(m.userAddr())
                    .put((byte) m.permission().wire()).put((byte) m.type().wire()).array();
            case ConfigSpace c -> configBytes(c);
            case InflightDesc d -> inflightBytes(d);
            case DeviceStatus s -> u64(s.status());
            case SendRarp r -> {
                byte[] b = new byte[8];
                System.arraycopy(r.macBytes(), 0, b, 0, SendRarp.MAC_LENGTH);
                yield b;
            }
            case NetMtu m -> u64(m.mtu());
        };
    }

    /** The reply to a request whose own reply is a u64 (GET_FEATURES, GET_QUEUE_NUM, IOTLB_MSG, ...). */
    public static byte[] encodeReplyU64(FrontendRequest request, long value) {
        if (request.reply() != ReplyPayload.U64) {
            throw new IllegalArgumentException(request + " does not reply with a u64 (its reply is " + request.reply() + ")");
        }
        return reply(request, u64(value));
    }

    /** The reply to GET_VRING_BASE: the ring's index and its next available index. */
    public static byte[] encodeReplyVringState(int index, long num) {
        VringIndex.check(index);
        if (num < 0 || num > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("num " + num + " does not fit in u32");
        }
        return reply(FrontendRequest.GET_VRING_BASE, buffer(8).putInt(index).putInt((int) num).array());
    }

    /** The reply to GET_CONFIG: same offset and size as asked, the device's bytes. */
    public static byte[] encodeReplyConfig(ConfigSpace config) {
        if (config.request() != FrontendRequest.GET_CONFIG) {
            throw new IllegalArgumentException("a config reply answers GET_CONFIG, not " + config.request());
        }
        return reply(FrontendRequest.GET_CONFIG, configBytes(config));
    }

    /** GET_CONFIG failed: the spec's "zero length of payload" (what libvhost-user sends too). */
    public static byte[] encodeReplyConfigFailure() {
        return reply(FrontendRequest.GET_CONFIG, new byte[0]);
    }

    /** The reply to GET_INFLIGHT_FD; the transport attaches the buffer's fd. */
    public static byte[] encodeReplyInflight(InflightDesc inflight) {
        if (inflight.request() != FrontendRequest.GET_INFLIGHT_FD) {
            throw new IllegalArgumentException("an inflight reply answers GET_INFLIGHT_FD, not " + inflight.request());
        }
        return reply(FrontendRequest.GET_INFLIGHT_FD, inflightBytes(inflight));
    }

    /**
     * A REPLY_ACK answer: u64 0 for success, 1 for failure. Only for requests without a reply of their own
     * (for those the spec says NEED_REPLY changes nothing); {@link ReplyPolicy} decides when to send it.
     */
    public static byte[] encodeAck(FrontendRequest request, boolean ok) {
        if (request.hasReply()) {
            throw new IllegalArgumentException(request + " has its own " + request.reply() + " reply; it is never acked");
        }
        return reply(request, u64(ok ? U64_ACK_OK : U64_ACK_FAILED));
    }

    private static byte[] reply(FrontendRequest request, byte[] payload) {
        return frame(MessageHeader.forReply(request, payload.length), payload);
    }

    private static byte[] frame(MessageHeader header, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(MessageHeader.SIZE + payload.length);
        header.writeTo(b);
        b.put(payload);
        return b.array();
    }

    private static ByteBuffer buffer(int size) {
        return ByteBuffer.allocate(size).order(MessageHeader.ORDER);
    }

    private static byte[] u64(long value) {
        return buffer(8).putLong(value).array();
    }

    private static ByteBuffer putRegion(ByteBuffer b, MemoryRegionDesc r) {
        return b.putLong(r.gpa()).putLong(r.size()).putLong(r.userAddr()).putLong(r.mmapOffset());
    }

    private static byte[] configBytes(ConfigSpace c) {
        return buffer(PayloadKind.CONFIG_HEADER_SIZE + c.size()).putInt(c.offset()).putInt(c.size()).putInt(c.flags())
                .put(c.contents()).array();
    }

    private static byte[] inflightBytes(InflightDesc d) {
        return buffer(24).putLong(d.mmapSize()).putLong(d.mmapOffset()).putShort((short) d.numQueues())
                .putShort((short) d.queueSize()).array();
    }
}
