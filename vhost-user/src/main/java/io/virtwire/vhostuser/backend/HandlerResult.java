package io.virtwire.vhostuser.backend;

import io.virtwire.linux.Fd;

/**
 * The outcome of one request, as the session loop needs it to answer: success or not (and why not), and the
 * request's own reply if it has one, with the fd that travels with it (GET_INFLIGHT_FD).
 */
record HandlerResult(boolean ok, byte[] ownReply, Fd replyFd, String error) {

    static final HandlerResult OK = new HandlerResult(true, null, null, null);

    static HandlerResult reply(byte[] bytes) {
        return new HandlerResult(true, bytes, null, null);
    }

    static HandlerResult reply(byte[] bytes, Fd fd) {
        return new HandlerResult(true, bytes, fd, null);
    }

    static HandlerResult failed(String error) {
        return new HandlerResult(false, null, null, error);
    }

    /**
     * The request was applied but a ring could not start afterwards: the front-end hears of it as a failure (when
     * it can be told), and the reply it is owed is still sent.
     */
    HandlerResult failedWith(String why) {
        return new HandlerResult(false, ownReply, replyFd, why);
    }
}
