package io.virtwire.forwarder.app;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The benchmark's contract: {@code bin/virtwire-forwarder xconnect A B} and one dpdk-testpmd with two
 * virtio-user ports in io mode, primed with {@code start tx_first 32}: packets loop A → B → A through us.
 */
@Timeout(180)
class XconnectTestpmdIT {

    @TempDir
    Path dir;

    @Test
    void testpmdPacketsLoopThroughTheCrossConnect() throws Exception {
        Path a = dir.resolve("a.sock");
        Path b = dir.resolve("b.sock");
        try (ForwarderProcess fwd = ForwarderProcess.start(dir.resolve("fwd.log"), "xconnect", a.toString(), b.toString(),
                "--worker-cpu", "1")) {
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!(Files.exists(a) && Files.exists(b)) && System.nanoTime() < deadline && fwd.isAlive()) {
                Thread.sleep(50);
            }
            assertTrue(Files.exists(a) && Files.exists(b), "the forwarder listens on both sockets; its log:\n" + fwd.log());
            try (TestPmd pmd = TestPmd.virtioUserPair(a, b, "", dir.resolve("testpmd.log"))) {
                Thread.sleep(5000); // EAL init, both ports negotiated
                pmd.command("start tx_first 32");
                Thread.sleep(3000);
                long[] first = pmd.rxPackets();
                Thread.sleep(2000);
                long[] second = pmd.rxPackets();
                assertTrue(first[0] > 10_000 && first[1] > 10_000, "both ports received looped packets: "
                        + first[0] + ", " + first[1] + "; testpmd:\n" + pmd.tail() + "\nforwarder:\n" + fwd.log());
                assertTrue(second[0] > first[0] && second[1] > first[1], "and keep receiving: " + first[0] + " -> "
                        + second[0] + ", " + first[1] + " -> " + second[1]);
            }
            assertTrue(fwd.isAlive(), "testpmd leaving does not end the forwarder");
            assertEquals(0, fwd.terminate(), "SIGTERM is a normal stop: exit 0");
            assertFalse(Files.exists(a) || Files.exists(b), "sockets removed on SIGTERM");
        }
    }

    @Test
    void wrongUsageExitsWithTwoAndSaysWhy() throws Exception {
        try (ForwarderProcess fwd = ForwarderProcess.start(dir.resolve("usage.log"), "xconnect", dir.resolve("only.sock").toString())) {
            assertEquals(2, fwd.terminateAfterExit());
            assertTrue(fwd.log().contains("exactly two socket paths"), fwd.log());
        }
    }
}
