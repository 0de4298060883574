package io.virtwire.vhostuser.backend;

import io.virtwire.linux.UnixSocket;
import io.virtwire.vhostuser.frontend.Frontend;
import io.virtwire.vhostuser.protocol.FrontendRequest;
import io.virtwire.vhostuser.transport.Connection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 14: QEMU reconnecting in a loop ("you are asking more queues than supported") made the forwarder serve
 * ~1.1 million sessions and write a line for each. Here a front-end does what that QEMU did as fast as it can for a
 * few seconds: connect, negotiate, ask GET_QUEUE_NUM, hang up. The server must back off (few sessions per second,
 * no spinning) and write a bounded number of lines.
 */
@Timeout(60)
class SessionStormTest {

    @TempDir
    Path dir;

    @Test
    void aFrontendFailingInALoopIsServedWithBackoffAndLoggedBounded() throws Exception {
        AtomicInteger lines = new AtomicInteger();
        Handler counter = new Handler() {
            @Override
            public void publish(LogRecord record) {
                lines.incrementAndGet();
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger sessionLogger = Logger.getLogger(BackendSession.class.getName());
        Logger serverLogger = Logger.getLogger(BackendServer.class.getName());
        sessionLogger.addHandler(counter);
        serverLogger.addHandler(counter);
        Path sock = dir.resolve("vw-mqb-storm.sock");
        int attempts = 0;
        long seconds = 4;
        try (BackendServer server = BackendServer.listen(sock, new RecordingDevice(2))) {
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            while (System.nanoTime() < end) {
                UnixSocket s = UnixSocket.create();
                s.connect(sock);
                try (Frontend f = new Frontend(new Connection(s))) {
                    f.handshake(BackendSession.SUPPORTED_PROTOCOL_FEATURES);
                    f.u64Request(FrontendRequest.GET_QUEUE_NUM);
                }
                attempts++;
            }
            int served = server.sessionsServed();
            // 100 + 200 + 400 + 800 + 1600 ms of backoff fit in 4 s: about 6 sessions; without backoff thousands
            assertTrue(attempts <= 10, attempts + " sessions in " + seconds + " s: the server did not back off");
            assertTrue(served <= 10, served + " sessions served");
        } finally {
            sessionLogger.removeHandler(counter);
            serverLogger.removeHandler(counter);
        }
        assertTrue(lines.get() <= SessionLog.BURST + 1, lines.get() + " log lines for " + attempts + " sessions");
    }

    @Test
    void aFrontendThatStartsARingAndHangsUpAtOnceIsBackedOffToo() throws Exception {
        Path sock = dir.resolve("vw-mqb-flap.sock");
        int sessions = 0;
        try (BackendServer server = BackendServer.listen(sock, new RecordingDevice(2));
             io.virtwire.vhostuser.frontend.GuestRam ram = io.virtwire.vhostuser.frontend.GuestRam.standard("vw-mqb-flap");
             io.virtwire.linux.EventFd kick = io.virtwire.linux.EventFd.create()) {
            long end = System.nanoTime() + 3_000_000_000L;
            while (System.nanoTime() < end) {
                UnixSocket s = UnixSocket.create();
                s.connect(sock);
                try (Frontend f = new Frontend(new Connection(s))) {
                    f.handshake(BackendSession.SUPPORTED_PROTOCOL_FEATURES);
                    f.setFeatures(io.virtwire.vhostuser.protocol.VirtioFeature.VIRTIO_F_VERSION_1.mask()
                            | io.virtwire.vhostuser.protocol.VirtioFeature.VHOST_USER_F_PROTOCOL_FEATURES.mask());
                    f.setMemTable(ram);
                    f.startSplitQueue(0, new io.virtwire.vhostuser.frontend.driver.DriverSplitQueue(ram.memory(), 64,
                            0x1000, 0x2000, 0x3000), 0, kick, null);
                    f.getVringBase(0); // the ring ran: this session is answered before it hangs up
                }
                sessions++;
            }
            assertTrue(sessions <= 8, sessions + " sessions that each started a ring and hung up within 3 s");
        }
    }

    @Test
    void aHealthySessionResetsTheBackoff() {
        SessionBackoff b = new SessionBackoff();
        assertTrue(b.after(false).toMillis() == 100);
        assertTrue(b.after(false).toMillis() == 200);
        for (int i = 0; i < 20; i++) {
            b.after(false);
        }
        assertTrue(b.after(false).equals(SessionBackoff.CAP), "capped");
        assertTrue(b.after(true).isZero());
        assertTrue(b.after(false).toMillis() == 100, "starts over after a healthy session");
    }
}
