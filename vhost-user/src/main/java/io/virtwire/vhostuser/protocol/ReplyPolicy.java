package io.virtwire.vhostuser.protocol;

import java.util.Optional;

/**
 * The one place that decides whether a handled request is answered, and how. The dispatcher calls it once,
 * after the handler ran (as DPDK's {@code vhost_user_msg_handler} and libvhost-user's {@code vu_dispatch}
 * do at the end), so no handler sends acks itself.
 *
 * <p>Rules (QEMU docs/interop/vhost-user.rst, "Communication" and "REPLY_ACK"):
 * <ul>
 *   <li>a request with a reply of its own always gets that reply, NEED_REPLY or not;</li>
 *   <li>otherwise, NEED_REPLY with REPLY_ACK negotiated gets a u64 ack: 0 on success, non-zero on failure;</li>
 *   <li>otherwise nothing is sent: NEED_REPLY without REPLY_ACK negotiated is ignored (as rust-vmm does), because
 *       a front-end that did not negotiate REPLY_ACK does not read an ack and the stream would desynchronise.</li>
 * </ul>
 */
public final class ReplyPolicy {

    /** What the dispatcher sends after handling a request. */
    public enum Decision {
        /** Send nothing. */
        NONE,
        /** Send the request's own reply ({@link FrontendRequest#reply()}), built by the handler. */
        OWN_REPLY,
        /** Send {@link MessageCodec#encodeAck(FrontendRequest, boolean)} with the handler's outcome. */
        ACK
    }

    private ReplyPolicy() {
    }

    /**
     * @param negotiated the protocol features as they are after the handler ran (so a SET_PROTOCOL_FEATURES that
     *                   enables REPLY_ACK is itself acked when it asked for it)
     */
    public static Decision decide(FrontendRequest request, MessageHeader header, ProtocolFeatures negotiated) {
        if (request.hasReply()) {
            return Decision.OWN_REPLY;
        }
        if (header.needsReply() && negotiated.has(ProtocolFeature.REPLY_ACK)) {
            return Decision.ACK;
        }
        return Decision.NONE;
    }

    /**
     * The bytes to send, empty when nothing is sent.
     *
     * @param ownReply the handler's encoded reply for requests that have one (ignored otherwise)
     * @param ok       the handler's outcome, used for the ack
     */
    public static Optional<byte[]> replyBytes(FrontendRequest request, MessageHeader header, ProtocolFeatures negotiated,
                                    byte[] ownReply, boolean ok) {
        return switch (decide(request, header, negotiated)) {
            case NONE -> Optional.empty();
            case OWN_REPLY -> {
                if (ownReply == null) {
                    throw new IllegalArgumentException(request + " must be answered with its own " + request.reply()
                            + " reply, and none was given");
                }
                yield Optional.of(ownReply);
            }
            case ACK -> Optional.of(MessageCodec.encodeAck(request, ok));
        };
    }
}
