package io.virtwire.vhostuser.transport;

import java.lang.foreign.MemorySegment;

/**
 * One framed vhost-user message as it came off the socket, before any decoding.
 *
 * @param request the header's u32 request code (bit pattern; codes are small)
 * @param flags   the header's u32 flags (version in bits 0-1, REPLY bit 2, NEED_REPLY bit 3)
 * @param payload exactly {@code size} bytes of payload
 * @param fds     the descriptors that arrived with the header; closing the message closes those not taken
 */
public record RawMessage(int request, int flags, byte[] payload, ReceivedFds fds) implements AutoCloseable {

    public RawMessage {
        if (payload == null || fds == null) {
            throw new NullPointerException("payload and fds must be given (use an empty array / ReceivedFds.none())");
        }
    }

    /** The header's size field. */
    public int size() {
        return payload.length;
    }

    /** The payload as a read-only segment, for decoding with native-order layouts. */
    public MemorySegment payloadSegment() {
        return MemorySegment.ofArray(payload).asReadOnly();
    }

    @Override
    public void close() {
        fds.close();
    }

    @Override
    public String toString() {
        return "RawMessage[request=" + Integer.toUnsignedString(request) + ", flags=0x" + Integer.toHexString(flags)
                + ", size=" + payload.length + ", fds=" + fds.count() + "]";
    }
}
