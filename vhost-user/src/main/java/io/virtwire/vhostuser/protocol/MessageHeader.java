package io.virtwire.vhostuser.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * The 12-byte vhost-user message header: u32 request, u32 flags, u32 payload size, in native byte order.
 * Holds whatever arrived, including invalid flags or codes, so the codec can say what was wrong with it.
 *
 * @param request the request code, unsigned 32-bit
 * @param flags   version in bits 0-1 (must be 1), {@link #REPLY} bit 2, {@link #NEED_REPLY} bit 3, rest reserved
 * @param size    payload size in bytes, unsigned 32-bit
 */
public record MessageHeader(long request, int flags, long size) {

    public static final int SIZE = 12;
    public static final int VERSION_MASK = 0x3;
    public static final int VERSION = 0x1;
    public static final int REPLY = 0x4;
    public static final int NEED_REPLY = 0x8;
    public static final int RESERVED_MASK = ~(VERSION_MASK | REPLY | NEED_REPLY);

    /**
     * vhost-user uses the host's byte order. We run on little-endian hosts (x86_64, aarch64) and spell the
     * order out so the layouts are visible in code and tests; {@link MessageCodec} refuses to load elsewhere.
     */
    static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    public MessageHeader {
        if (request < 0 || request > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("header request code " + request + " does not fit in u32");
        }
        if (size < 0 || size > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("header size " + size + " does not fit in u32");
        }
    }

    /** A request header (version 1) as a front-end sends it. */
    public static MessageHeader forRequest(FrontendRequest request, int payloadSize, boolean needReply) {
        return new MessageHeader(request.code(), VERSION | (needReply ? NEED_REPLY : 0), payloadSize);
    }

    /** A back-end request header (version 1) for the SET_BACKEND_REQ_FD channel. */
    public static MessageHeader forBackendRequest(BackendRequest request, int payloadSize, boolean needReply) {
        return new MessageHeader(request.code(), VERSION | (needReply ? NEED_REPLY : 0), payloadSize);
    }

    /** A reply header (version 1, REPLY set) as the back-end sends it. */
    public static MessageHeader forReply(FrontendRequest request, int payloadSize) {
        return new MessageHeader(request.code(), VERSION | REPLY, payloadSize);
    }

    /** Reads the header from the first {@link #SIZE} bytes of {@code bytes}. */
    public static MessageHeader parse(byte[] bytes) {
        if (bytes.length < SIZE) {
            throw new IllegalArgumentException("vhost-user header needs " + SIZE + " bytes, got " + bytes.length);
        }
        return parse(ByteBuffer.wrap(bytes, 0, SIZE));
    }

    /** Reads a header at the buffer's position and advances it by {@link #SIZE}. */
    public static MessageHeader parse(ByteBuffer buffer) {
        ByteBuffer b = buffer.slice(buffer.position(), SIZE).order(ORDER);
        buffer.position(buffer.position() + SIZE);
        return new MessageHeader(Integer.toUnsignedLong(b.getInt(0)), b.getInt(4), Integer.toUnsignedLong(b.getInt(8)));
    }

    public void writeTo(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate().order(ORDER);
        b.putInt((int) request).putInt(flags).putInt((int) size);
        buffer.position(buffer.position() + SIZE);
    }

    public byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        writeTo(b);
        return b.array();
    }

    /** The same header with another payload size. */
    public MessageHeader withSize(long newSize) {
        return new MessageHeader(request, flags, newSize);
    }

    public int version() {
        return flags & VERSION_MASK;
    }

    public boolean isReply() {
        return (flags & REPLY) != 0;
    }

    public boolean needsReply() {
        return (flags & NEED_REPLY) != 0;
    }

    public int reservedFlags() {
        return flags & RESERVED_MASK;
    }

    public Optional<FrontendRequest> frontendRequest() {
        return FrontendRequest.ofCode(request);
    }

    @Override
    public String toString() {
        String name = frontendRequest().map(Enum::name).orElse("code " + request);
        return "MessageHeader[" + name + ", flags=0x" + Integer.toHexString(flags) + ", size=" + size + "]";
    }
}
