package io.virtwire.vhostuser.frontend;

import io.virtwire.linux.Fd;
import io.virtwire.linux.UnixSocket;
import io.virtwire.vhostuser.protocol.FrontendMessage;
import io.virtwire.vhostuser.protocol.FrontendRequest;
import io.virtwire.vhostuser.protocol.MessageCodec;
import io.virtwire.vhostuser.protocol.MessageHeader;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Protocol-level knobs for a hostile front-end (test-jar, shared with the forwarder's tests): messages a
 * well-behaved QEMU never sends. Ring-level misbehaviour lives in the driver queues' {@code raw*} methods.
 */
public final class FrontendMisbehaviour {

    private final Frontend frontend;
    private final UnixSocket socket;

    /** @param socket the socket under {@code frontend}'s connection, for bytes the framing would not produce */
    public FrontendMisbehaviour(Frontend frontend, UnixSocket socket) {
        this.frontend = frontend;
        this.socket = socket;
    }

    /** A valid message with whatever fds, e.g. too many or too few for the request's FdPolicy. */
    public void sendWithFds(FrontendMessage message, boolean needReply, Fd... fds) throws IOException {
        frontend.send(message, needReply, fds);
    }

    /** A header whose size field says {@code claimedSize} followed by only {@code payload}: the stream desynchronises. */
    public void sendHeaderClaiming(FrontendRequest request, long claimedSize, byte[] payload) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bytes = arena.allocate(MessageHeader.SIZE + payload.length);
            bytes.set(ValueLayout.JAVA_INT_UNALIGNED, 0, request.code());
            bytes.set(ValueLayout.JAVA_INT_UNALIGNED, 4, MessageHeader.VERSION);
            bytes.set(ValueLayout.JAVA_INT_UNALIGNED, 8, (int) claimedSize);
            MemorySegment.copy(payload, 0, bytes, ValueLayout.JAVA_BYTE, MessageHeader.SIZE, payload.length);
            long sent = socket.send(bytes);
            while (sent < bytes.byteSize()) {
                sent += socket.send(bytes.asSlice(sent));
            }
        }
    }

    /** A request code the spec does not define. */
    public void sendUnknownRequest(int code, boolean needReply) throws IOException {
        frontend.sendRaw(code, MessageHeader.VERSION | (needReply ? MessageHeader.NEED_REPLY : 0), new byte[8]);
    }

    /** The payload of {@code message} with its size field kept but the bytes cut to {@code length}. */
    public void sendTruncated(FrontendMessage message, int length, boolean needReply) throws IOException {
        byte[] payload = MessageCodec.payloadOf(message);
        byte[] cut = java.util.Arrays.copyOf(payload, Math.min(length, payload.length));
        frontend.sendRaw(message.request().code(), MessageHeader.VERSION | (needReply ? MessageHeader.NEED_REPLY : 0), cut);
    }

    /** SET_MEM_TABLE over and over (each acked), as a front-end leaking the back-end's mappings would. */
    public void repeatMemTable(GuestRam ram, int times) throws IOException {
        for (int i = 0; i < times; i++) {
            frontend.setMemTable(ram);
        }
    }
}
