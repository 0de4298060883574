package io.virtwire.vhostuser.net;

import io.virtwire.vhostuser.backend.BackendServer;
import io.virtwire.vhostuser.backend.BackendSession;
import io.virtwire.vhostuser.protocol.VirtioFeature;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.File;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * DPDK's virtio-user (a real, independent vhost-user front-end and virtio-net driver) against our back-end in
 * server mode: dpdk-testpmd from Debian's dpdk-dev, in txonly mode, negotiates with {@link BackendServer} and its
 * packets arrive at the {@link VhostUserNetDevice}.
 */
@Timeout(120)
class DpdkVirtioUserIT {

    private static final Duration NEGOTIATION = Duration.ofSeconds(60);
    private static final long FRAMES_WANTED = 10_000;

    @TempDir
    Path dir;

    static Path testpmd() {
        for (String entry : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            Path p = Path.of(entry, "dpdk-testpmd");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return fail("dpdk-testpmd is not installed: this test needs DPDK's virtio-user as a real peer."
                + " Install Debian's dpdk-dev package: apt-get install -y dpdk-dev");
    }

    @Test
    void testpmdNegotiatesAndItsPacketsArrive() throws Exception {
        Path testpmd = testpmd();
        Path sock = dir.resolve("vhost-net.sock");
        Path log = dir.resolve("testpmd.log");
        AtomicLong frames = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        AtomicReference<byte[]> sample = new AtomicReference<>();
        NetPollWorker.FrameHandler sink = (device, burst) -> {
            frames.addAndGet(burst.count());
            for (int i = 0; i < burst.count(); i++) {
                bytes.addAndGet(burst.length(i));
            }
            sample.compareAndSet(null, burst.frame(0));
        };
        try (VhostUserNetDevice device = new VhostUserNetDevice("dpdk", 1, 1024)) {
            try (BackendServer server = BackendServer.listen(sock, device);
                 NetPollWorker worker = new NetPollWorker(device, sink).start()) {
                Process p = new ProcessBuilder(testpmd.toString(), "--no-pci", "--no-huge", "-m", "1024",
                        "--single-file-segments", "--vdev", "net_virtio_user0,path=" + sock + ",queues=1",
                        "--file-prefix", "vw" + ProcessHandle.current().pid(), "--",
                        "--forward-mode=txonly", "--stats-period", "1")
                        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
                // testpmd quits when its stdin reaches EOF: hold the pipe open for as long as it should run
                try (OutputStream stdin = p.getOutputStream()) {
                    long deadline = System.nanoTime() + NEGOTIATION.toNanos();
                    while (frames.get() < FRAMES_WANTED && System.nanoTime() < deadline && p.isAlive()) {
                        Thread.sleep(50);
                    }
                    BackendSession session = server.session();
                    assertTrue(frames.get() >= FRAMES_WANTED, "only " + frames.get() + " frames from testpmd arrived"
                            + " (alive=" + p.isAlive() + "); its log:\n" + tail(log));
                    assertTrue(session != null, "testpmd is connected");
                    assertTrue((session.ackedFeatures() & VirtioFeature.VIRTIO_F_VERSION_1.mask()) != 0,
                            "virtio 1.x negotiated");
                    assertTrue(device.isStarted(1), "the transmit ring was started");
                } finally {
                    p.destroy();
                    if (!p.waitFor(10, TimeUnit.SECONDS)) {
                        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    }
                }
                // txonly's default packet: 64 bytes of Ethernet + IPv4 + UDP
                byte[] first = sample.get();
                assertEquals(64, first.length, "txonly's default frame length");
                assertEquals(0x0800, ((first[12] & 0xFF) << 8) | (first[13] & 0xFF), "IPv4 ethertype");
                assertEquals(0, bytes.get() % 64, "every frame was 64 bytes");
                assertTrue(!device.isBroken(), device.brokenReason());
            }
        }
    }

    @ParameterizedTest(name = "packed_vq={0}")
    @ValueSource(ints = {0, 1})
    void testpmdForwardsWhatOurDeviceEchoesBackToIt(int packed) throws Exception {
        Path testpmd = testpmd();
        Path sock = dir.resolve("vhost-echo.sock");
        Path log = dir.resolve("testpmd-echo.log");
        boolean[] packedNegotiated = new boolean[1];
        try (VhostUserNetDevice device = new VhostUserNetDevice("dpdk-echo", 1, 1024)) {
            try (BackendServer server = BackendServer.listen(sock, device);
                 NetPollWorker worker = new NetPollWorker(device, NetPollWorker.ECHO).start()) {
                // io forwarding on one port sends back whatever arrives; tx_first primes the loop with one burst,
                // so traffic keeps flowing only if both directions work
                Process p = new ProcessBuilder(testpmd.toString(), "--no-pci", "--no-huge", "-m", "1024",
                        "--single-file-segments", "--vdev", "net_virtio_user0,path=" + sock + ",queues=1,packed_vq=" + packed,
                        "--file-prefix", "vwe" + ProcessHandle.current().pid(), "--", "-i", "--forward-mode=io")
                        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
                try (OutputStream stdin = p.getOutputStream()) {
                    long deadline = System.nanoTime() + NEGOTIATION.toNanos();
                    while (!device.isStarted(0) && System.nanoTime() < deadline && p.isAlive()) {
                        Thread.sleep(50);
                    }
                    Thread.sleep(500); // testpmd prints its prompt once the port is up
                    stdin.write("start tx_first\n".getBytes());
                    stdin.flush();
                    while (device.toGuestFrames() < FRAMES_WANTED && System.nanoTime() < deadline && p.isAlive()) {
                        Thread.sleep(50);
                    }
                    if (device.toGuestFrames() < FRAMES_WANTED && p.isAlive()) {
                        stdin.write("show port stats all\nshow port xstats all\n".getBytes()); // for the failure message
                        stdin.flush();
                        Thread.sleep(500);
                    }
                    assertTrue(device.toGuestFrames() >= FRAMES_WANTED, "only " + device.toGuestFrames()
                            + " frames echoed into testpmd, " + device.fromGuestFrames() + " came from it; its log:\n" + tail(log));
                    assertTrue(device.fromGuestFrames() >= FRAMES_WANTED, "testpmd kept forwarding what it received");
                    packedNegotiated[0] = (server.session().ackedFeatures() & VirtioFeature.VIRTIO_F_RING_PACKED.mask()) != 0;
                    stdin.write("stop\nquit\n".getBytes());
                    stdin.flush();
                    p.waitFor(10, TimeUnit.SECONDS);
                } finally {
                    p.destroy();
                    if (!p.waitFor(10, TimeUnit.SECONDS)) {
                        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    }
                }
                assertTrue(!device.isBroken(), device.brokenReason());
                assertEquals(packed == 1, packedNegotiated[0], "ring layout negotiated");
            }
        }
    }

    private static String tail(Path log) {
        try {
            var lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 120), lines.size()));
        } catch (Exception e) {
            return "(no log: " + e + ")";
        }
    }
}
