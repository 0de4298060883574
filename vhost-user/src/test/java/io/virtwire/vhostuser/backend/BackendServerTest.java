package io.virtwire.vhostuser.backend;

import io.virtwire.linux.UnixSocket;
import io.virtwire.vhostuser.frontend.Frontend;
import io.virtwire.vhostuser.frontend.GuestRam;
import io.virtwire.vhostuser.frontend.Probe;
import io.virtwire.vhostuser.protocol.ProtocolFeature;
import io.virtwire.vhostuser.protocol.VirtioFeature;
import io.virtwire.vhostuser.transport.Connection;
import io.virtwire.vhostuser.transport.Listener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class BackendServerTest {

    @TempDir
    Path dir;

    private static Frontend connect(Path path) throws Exception {
        UnixSocket s = UnixSocket.create();
        s.connect(path);
        return new Frontend(new Connection(s));
    }

    private static void awaitSessions(BackendServer server, int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (server.sessionsServed() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + server.sessionsServed() + " sessions ended, expected " + n);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void serverModeServesOneFrontendAfterAnother() throws Exception {
        RecordingDevice device = new RecordingDevice(2);
        Path sock = dir.resolve("vhost.sock");
        try (BackendServer server = BackendServer.listen(sock, device);
             GuestRam ram = GuestRam.standard("vw-server")) {
            for (int round = 1; round <= 3; round++) {
                try (Frontend f = connect(sock)) {
                    f.handshake(BackendSession.SUPPORTED_PROTOCOL_FEATURES);
                    f.setFeatures(VirtioFeature.VIRTIO_F_VERSION_1.mask() | VirtioFeature.VHOST_USER_F_PROTOCOL_FEATURES.mask());
                    f.setMemTable(ram);
                }
                awaitSessions(server, round);
            }
            assertTrue(device.closed);
        }
        assertFalse(Files.exists(sock), "closing the server removes its socket");
    }

    @Test
    void probeReportsTheOffer() throws Exception {
        Path sock = dir.resolve("probe.sock");
        try (BackendServer server = BackendServer.listen(sock, new RecordingDevice(4))) {
            Probe.Result r = Probe.probe(sock);
            assertTrue(r.featureNames().contains("VIRTIO_F_VERSION_1"));
            assertTrue(r.featureNames().contains("VHOST_USER_F_PROTOCOL_FEATURES"));
            assertTrue(r.protocolFeatureNames().contains(ProtocolFeature.INFLIGHT_SHMFD.name()));
            assertEquals(4L, r.queueNum().orElseThrow());
            assertEquals((long) BackendSession.MAX_MEM_SLOTS, r.maxMemSlots().orElseThrow());
            assertEquals(1500, r.mtu().orElseThrow());
            awaitSessions(server, 1);
        }
    }

    @Test
    void clientModeConnectsWhenTheFrontendListensAndReconnects() throws Exception {
        Path sock = dir.resolve("qemu.sock");
        RecordingDevice device = new RecordingDevice(1);
        try (BackendServer server = BackendServer.connect(sock, device, Duration.ofMillis(20))) {
            Thread.sleep(100); // the back-end retries while nobody listens
            try (Listener qemu = Listener.bind(sock)) {
                for (int round = 1; round <= 2; round++) {
                    try (Frontend f = new Frontend(qemu.accept())) {
                        assertTrue((f.getFeatures() & VirtioFeature.VHOST_USER_F_PROTOCOL_FEATURES.mask()) != 0);
                    }
                    awaitSessions(server, round);
                }
            }
        }
    }
}
