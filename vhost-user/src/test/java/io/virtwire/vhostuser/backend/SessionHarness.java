package io.virtwire.vhostuser.backend;

import io.virtwire.linux.UnixSocket;
import io.virtwire.vhostuser.frontend.Frontend;
import io.virtwire.vhostuser.transport.Connection;

import java.time.Duration;

/** A BackendSession on its own platform thread and a Frontend, over a real socketpair. */
final class SessionHarness implements AutoCloseable {

    final VhostUserDevice device;
    final BackendSession session;
    final Frontend frontend;
    /** The front-end's socket, for writing bytes no well-behaved front-end would. */
    final UnixSocket rawFrontendSocket;
    final Thread thread;

    SessionHarness(VhostUserDevice device) throws Exception {
        this.device = device;
        UnixSocket[] pair = UnixSocket.pair();
        this.rawFrontendSocket = pair[0];
        this.frontend = new Frontend(new Connection(pair[0]));
        this.session = new BackendSession(new Connection(pair[1]), device, "test");
        this.thread = Thread.ofPlatform().name("session").start(session);
    }

    /** Waits for the session thread to end (it must, within the timeout). */
    String awaitEnd(Duration timeout) throws InterruptedException {
        if (!thread.join(timeout)) {
            throw new AssertionError("session did not end within " + timeout);
        }
        return session.endReason();
    }

    @Override
    public void close() throws Exception {
        frontend.close();
        awaitEnd(Duration.ofSeconds(10));
    }
}
