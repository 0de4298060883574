package io.virtwire.forwarder.port;

import io.virtwire.forwarder.config.PortConfig;
import io.virtwire.forwarder.engine.Forwarder;
import io.virtwire.forwarder.engine.PortFactory;
import io.virtwire.forwarder.metrics.DropReason;
import io.virtwire.forwarder.switching.SwitchPort;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static io.virtwire.forwarder.port.HostCommands.quietly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Needs root and python3: two network namespaces, each reaching the forwarder through a TAP interface (moved
 * into the namespace) or a veth pair (outer end an AF_PACKET port). A TCP transfer of 8 MiB of random bytes goes
 * from namespace A to namespace B and its md5 is compared. With offloads on A, A's kernel hands the forwarder TSO
 * frames far above the MTU (checked in the port counters); B with offloads takes them as they are, B without
 * offloads gets them segmented by the forwarder in software, and B's kernel checks every segment's checksums
 * (a bad one is dropped and the transfer would stall or differ).
 */
@Timeout(120)
class OffloadNetnsIT {

    private static final int BYTES = 8 << 20;

    @TempDir
    Path dir;

    private static String run(String... cmd) throws Exception {
        return HostCommands.run(60, cmd);
    }

    private static String python() throws Exception {
        try {
            return run("python3", "-c", "import sys; print(sys.executable)").trim();
        } catch (Exception e) {
            throw new AssertionError("python3 is needed for the TCP transfer (apt-get install python3)", e);
        }
    }

    @ParameterizedTest(name = "{0} ports, offloads A={1} B={2}")
    @CsvSource({"tap,true,true", "tap,true,false", "af-packet,true,true", "af-packet,true,false"})
    void aTcpTransferBetweenTwoNamespacesArrivesIntact(String type, boolean offloadsA, boolean offloadsB)
            throws Exception {
        long id = ProcessHandle.current().pid() % 1000 * 10 + (type.equals("tap") ? 0 : 4) + (offloadsB ? 1 : 0);
        String nsA = "vwoa" + id;
        String nsB = "vwob" + id;
        String ifA = "vwoA" + id;
        String ifB = "vwoB" + id;
        String python = python();
        byte[] data = new byte[BYTES];
        new Random(id).nextBytes(data);
        Path file = dir.resolve("payload");
        Files.write(file, data);
        String md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
        try (Forwarder f = new Forwarder(Forwarder.Mode.SWITCH, 1, List.of(), Duration.ofMinutes(5), new PortFactory(), -1)) {
            run("ip", "netns", "add", nsA);
            run("ip", "netns", "add", nsB);
            SwitchPort a;
            SwitchPort b;
            String innerA;
            String innerB;
            if (type.equals("tap")) {
                a = f.addPort(new PortConfig("a", "tap", null, null, null, null, ifA, null, null, offloadsA));
                b = f.addPort(new PortConfig("b", "tap", null, null, null, null, ifB, null, null, offloadsB));
                run("ip", "link", "set", ifA, "netns", nsA);
                run("ip", "link", "set", ifB, "netns", nsB);
                innerA = ifA;
                innerB = ifB;
            } else {
                innerA = ifA + "i";
                innerB = ifB + "i";
                run("ip", "link", "add", ifA, "type", "veth", "peer", "name", innerA);
                run("ip", "link", "add", ifB, "type", "veth", "peer", "name", innerB);
                run("ip", "link", "set", innerA, "netns", nsA);
                run("ip", "link", "set", innerB, "netns", nsB);
                run("ip", "link", "set", ifA, "up");
                run("ip", "link", "set", ifB, "up");
                a = f.addPort(new PortConfig("a", "af-packet", null, null, null, null, ifA, null, null, offloadsA));
                b = f.addPort(new PortConfig("b", "af-packet", null, null, null, null, ifB, null, null, offloadsB));
            }
            run("ip", "netns", "exec", nsA, "ip", "addr", "add", "10.214.0.1/24", "dev", innerA);
            run("ip", "netns", "exec", nsB, "ip", "addr", "add", "10.214.0.2/24", "dev", innerB);
            run("ip", "netns", "exec", nsA, "ip", "link", "set", innerA, "up");
            run("ip", "netns", "exec", nsB, "ip", "link", "set", innerB, "up");

            Process receiver = new ProcessBuilder("ip", "netns", "exec", nsB, python, "-c", """
                    import socket, hashlib
                    l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    l.bind(('10.214.0.2', 5201)); l.listen(1); print('listening', flush=True)
                    c, _ = l.accept(); h = hashlib.md5(); n = 0
                    while True:
                        d = c.recv(1 << 20)
                        if not d: break
                        h.update(d); n += len(d)
                    print(n, h.hexdigest(), flush=True)
                    """).redirectErrorStream(true).start();
            try {
                String ready = new String(receiver.getInputStream().readNBytes("listening\n".length()));
                assertEquals("listening\n", ready, "receiver in " + nsB + " started");
                run("ip", "netns", "exec", nsA, python, "-c", """
                        import socket, sys, time
                        for i in range(100):
                            try:
                                s = socket.create_connection(('10.214.0.2', 5201), timeout=5); break
                            except OSError:
                                time.sleep(0.1)
                        s.settimeout(50); s.sendall(open(sys.argv[1], 'rb').read()); s.close()
                        """, file.toString());
                assertTrue(receiver.waitFor(60, TimeUnit.SECONDS), "receiver finished");
                String result = new String(receiver.getInputStream().readAllBytes()).trim();
                assertEquals(BYTES + " " + md5, result, "bytes and md5 at the receiver");
            } finally {
                receiver.destroyForcibly();
            }
            long rxA = a.counters().rxPackets();
            long averageA = a.counters().rxBytes() / Math.max(1, rxA);
            if (offloadsA) {
                assertTrue(averageA > 3000, "A's kernel sent TSO frames through the offload port: average frame "
                        + averageA + " bytes over " + rxA + " frames");
            }
            if (!offloadsB) {
                assertTrue(b.counters().txPackets() > rxA, "the forwarder segmented: " + b.counters().txPackets()
                        + " frames out of B for " + rxA + " into A");
            }
            assertEquals(0, a.counters().drops(DropReason.BAD_OFFLOAD) + b.counters().drops(DropReason.BAD_OFFLOAD));
        } finally {
            quietly("ip", "netns", "del", nsA);
            quietly("ip", "netns", "del", nsB);
            quietly("ip", "link", "del", ifA);
            quietly("ip", "link", "del", ifB);
        }
    }

    /**
     * Without offloads an AF_PACKET port's ring blocks are 32 KiB: the GSO frames A's TCP grows into (up to 64 KiB)
     * arrive cut short. They must be dropped and counted, never forwarded as a frame whose end is missing.
     */
    @Test
    void anAfPacketPortWithoutOffloadsDropsAndCountsGsoFramesLongerThanItsBlocks() throws Exception {
        long id = ProcessHandle.current().pid() % 1000 * 10 + 8;
        String nsA = "vwoa" + id;
        String nsB = "vwob" + id;
        String ifA = "vwoA" + id;
        String ifB = "vwoB" + id;
        try (Forwarder f = new Forwarder(Forwarder.Mode.SWITCH, 1, List.of(), Duration.ofMinutes(5), new PortFactory(), -1)) {
            run("ip", "netns", "add", nsA);
            run("ip", "netns", "add", nsB);
            run("ip", "link", "add", ifA, "type", "veth", "peer", "name", ifA + "i");
            run("ip", "link", "add", ifB, "type", "veth", "peer", "name", ifB + "i");
            run("ip", "link", "set", ifA + "i", "netns", nsA);
            run("ip", "link", "set", ifB + "i", "netns", nsB);
            run("ip", "link", "set", ifA, "up");
            run("ip", "link", "set", ifB, "up");
            SwitchPort a = f.addPort(new PortConfig("a", "af-packet", null, null, null, null, ifA, null, null, false));
            SwitchPort b = f.addPort(new PortConfig("b", "af-packet", null, null, null, null, ifB, null, null, true));
            run("ip", "netns", "exec", nsA, "ip", "addr", "add", "10.214.1.1/24", "dev", ifA + "i");
            run("ip", "netns", "exec", nsB, "ip", "addr", "add", "10.214.1.2/24", "dev", ifB + "i");
            run("ip", "netns", "exec", nsA, "ip", "link", "set", ifA + "i", "up");
            run("ip", "netns", "exec", nsB, "ip", "link", "set", ifB + "i", "up");
            Process receiver = new ProcessBuilder("ip", "netns", "exec", nsB, python(), "-c", """
                    import socket
                    l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    l.bind(('10.214.1.2', 5202)); l.listen(1); print('listening', flush=True)
                    c, _ = l.accept()
                    while c.recv(1 << 20): pass
                    """).redirectErrorStream(true).start();
            Process sender = null;
            try {
                assertEquals("listening\n", new String(receiver.getInputStream().readNBytes("listening\n".length())));
                sender = new ProcessBuilder("ip", "netns", "exec", nsA, python(), "-c", """
                        import socket, time
                        for i in range(100):
                            try:
                                s = socket.create_connection(('10.214.1.2', 5202), timeout=5); break
                            except OSError:
                                time.sleep(0.1)
                        s.settimeout(30); s.sendall(bytes(64 << 20))
                        """).redirectErrorStream(true).start();
                long end = System.nanoTime() + 30_000_000_000L;
                long truncated = 0;
                while (truncated == 0 && System.nanoTime() < end) {
                    Thread.sleep(100);
                    truncated = truncatedDrops(a.port());
                }
                assertTrue(truncated > 0, "GSO frames longer than a 32 KiB block were counted: " + a.port().describe());
                long out = b.counters().txPackets();
                assertTrue(out == 0 || b.counters().txBytes() / out <= 32 << 10,
                        "nothing cut short went out of B as a long frame: " + b.counters().txBytes() + " bytes in " + out);
                assertTrue(a.port().describe().get("ring").toString().contains("x 32768 bytes"), a.port().describe().toString());
                assertTrue(b.port().describe().get("ring").toString().contains("x 131072 bytes"), b.port().describe().toString());
            } finally {
                receiver.destroyForcibly();
                if (sender != null) {
                    sender.destroyForcibly();
                }
            }
        } finally {
            quietly("ip", "netns", "del", nsA);
            quietly("ip", "netns", "del", nsB);
            quietly("ip", "link", "del", ifA);
            quietly("ip", "link", "del", ifB);
        }
    }

    private static long truncatedDrops(Port port) {
        long sum = 0;
        for (Object q : (List<?>) port.describe().get("queueStats")) {
            sum += ((Number) ((Map<?, ?>) q).get("truncatedDrops")).longValue();
        }
        return sum;
    }
}
