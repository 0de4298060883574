package io.virtwire.linux;

import java.io.IOException;

/**
 * recvmsg reported MSG_CTRUNC: the peer sent more file descriptors than the receive buffer had room for. The
 * descriptors that did arrive have been closed; the kernel dropped the rest. The stream is still in sync, but
 * the message is unusable.
 */
public final class AncillaryDataTruncatedException extends IOException {
    public AncillaryDataTruncatedException(String message) {
        super(message);
    }
}
