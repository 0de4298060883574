package io.virtwire.linux;

import java.io.IOException;

/**
 * recvmsg reported MSG_CTRUNC: the peer sent more file descriptors than the receive buffer had room for. The
 * descriptors that did arrive have been closed and the kernel dropped the rest. The bytes of that recvmsg are
 * lost with them, so on a stream socket any framing above is broken.
 */
public final class AncillaryDataTruncatedException extends IOException {
    public AncillaryDataTruncatedException(String message) {
        super(message);
    }
}
