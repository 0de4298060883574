package io.virtwire.forwarder.app;

import io.virtwire.forwarder.control.ControlClient;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two QEMU/TCG guests (the repository's test guest) on the forwarder daemon's vhost-user server ports, QEMU in
 * client mode with reconnect: they ping each other and move a megabyte whose checksum is compared end to end;
 * and a guest keeps pinging across a {@code kill -9} and restart of the forwarder, without being restarted.
 */
@Timeout(300)
class TcgGuestsIT {

    @TempDir
    Path dir;

    private Path config() throws Exception {
        return config(false, false);
    }

    private Path config(boolean offloads1, boolean offloads2) throws Exception {
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path config = dir.resolve("forwarder.yaml");
        Files.writeString(config, """
                control: %s
                stateDir: %s
                ports:
                  - {name: vm1, socket: %s, offloads: %s}
                  - {name: vm2, socket: %s, offloads: %s}
                """.formatted(dir.resolve("control.sock"), dir.resolve("state"), dir.resolve("vm1.sock"), offloads1,
                dir.resolve("vm2.sock"), offloads2));
        return config;
    }

    private void awaitSockets(ForwarderProcess fwd) throws Exception {
        fwd.awaitSockets(dir.resolve("vm1.sock"), dir.resolve("vm2.sock"));
    }

    /** What a test checks while both guests of {@link #transferIntact} still run, given the sender's output. */
    private interface WhileConnected {
        void check(String senderOutput) throws Exception;
    }

    /**
     * Guest g1 (vm1) pings g2 (vm2) three times, then sends it {@code kib} KiB of random bytes over TCP; every byte
     * must arrive and the md5 sums of both ends must match. {@code then} runs before the guests stop.
     */
    private void transferIntact(int kib, int senderSeconds, int receiverSeconds, WhileConnected then) throws Exception {
        try (TcgGuest receiver = TcgGuest.start("g2", dir.resolve("vm2.sock"), "52:54:00:00:00:02", "10.77.0.2",
                "nc -l -p 5001 > /tmp/data; echo RECEIVED $(md5sum < /tmp/data) $(wc -c < /tmp/data)", dir)) {
            // the sender pings at once: under load the receiver may still be booting, so wait for it
            receiver.await("VIRTWIRE-GUEST-READY", 180);
            try (TcgGuest sender = TcgGuest.start("g1", dir.resolve("vm1.sock"), "52:54:00:00:00:01", "10.77.0.1",
                         "ping -c 3 -W 5 10.77.0.2 && dd if=/dev/urandom of=/tmp/data bs=1024 count=" + kib
                                 + " 2>/dev/null && echo SENT $(md5sum < /tmp/data) && sleep 1 && nc 10.77.0.2 5001 < /tmp/data",
                         dir)) {
                String out = sender.await("VIRTWIRE-GUEST-RESULT", senderSeconds);
                assertTrue(out.contains("VIRTWIRE-GUEST-RESULT rc=0"), out);
                String in = receiver.await("RECEIVED", receiverSeconds);
                Matcher sent = Pattern.compile("SENT ([0-9a-f]{32})").matcher(out);
                Matcher got = Pattern.compile("RECEIVED ([0-9a-f]{32}) +- +(\\d+)").matcher(in);
                assertTrue(sent.find() && got.find(), "checksums printed:\n" + out + "\n---\n" + in);
                assertEquals(Integer.toString(kib * 1024), got.group(2), "every byte arrived");
                assertEquals(sent.group(1), got.group(1), "the " + kib + " KiB arrived intact");
                then.check(out);
            }
        }
    }

    @Test
    void twoGuestsPingEachOtherAndAMegabyteArrivesIntact() throws Exception {
        try (ForwarderProcess fwd = ForwarderProcess.start(dir.resolve("fwd.log"), "--config", config().toString())) {
            awaitSockets(fwd);
            transferIntact(1024, 180, 60, out -> assertTrue(out.contains("3 packets transmitted, 3 packets received"),
                    "ping through the forwarder:\n" + out));
        }
    }

    /**
     * With offloads on vm1 the guest's virtio-net negotiates CSUM/HOST_TSO and sends TSO frames larger than its
     * MTU (seen in the forwarder's byte/frame counters); vm2 with offloads takes them as GSO frames (GUEST_TSO4),
     * vm2 without gets them segmented and checksummed by the forwarder. Either way 4 MiB keep their md5.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "offloads vm1=true vm2={0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void bulkTransferWithOffloadsArrivesIntact(boolean offloads2) throws Exception {
        try (ForwarderProcess fwd = ForwarderProcess.start(dir.resolve("fwd.log"), "--config",
                config(true, offloads2).toString())) {
            awaitSockets(fwd);
            transferIntact(4096, 240, 120, out -> {
                try (ControlClient c = new ControlClient(dir.resolve("control.sock"))) {
                    JsonNode ports = c.call("{\"op\":\"stats\"}").get("result").get("ports");
                    JsonNode vm1 = ports.get(0).get("name").asText().equals("vm1") ? ports.get(0) : ports.get(1);
                    JsonNode vm2 = vm1 == ports.get(0) ? ports.get(1) : ports.get(0);
                    long average = vm1.get("rxBytes").asLong() / Math.max(1, vm1.get("rxPackets").asLong());
                    assertTrue(average > 3000, "vm1's guest sent TSO frames: average " + average + " bytes\n" + vm1);
                    assertEquals(0, vm1.get("drops").get("badOffload").asLong(), vm1.toString());
                    long delivered = vm2.get("txBytes").asLong() / Math.max(1, vm2.get("txPackets").asLong());
                    if (offloads2) {
                        assertTrue(delivered > 3000, "vm2 took GSO frames: average " + delivered + " bytes\n" + vm2);
                    } else {
                        assertTrue(delivered <= 1514, "vm2 got segments: average " + delivered + " bytes\n" + vm2);
                    }
                }
            });
        }
    }

    @Test
    void aGuestKeepsPingingAcrossAKillNineOfTheForwarder() throws Exception {
        Path config = config();
        ForwarderProcess first = ForwarderProcess.start(dir.resolve("fwd.log"), "--config", config.toString());
        ForwarderProcess second = null;
        try (TcgGuest target = TcgGuest.start("g2", dir.resolve("vm2.sock"), "52:54:00:00:00:02", "10.77.0.2",
                "sleep 240", dir)) {
            awaitSockets(first);
            try (TcgGuest pinger = TcgGuest.start("g1", dir.resolve("vm1.sock"), "52:54:00:00:00:01", "10.77.0.1",
                    "ping -c 60 -i 0.5 -W 1 10.77.0.2", dir)) {
                // the first answered ping, whichever it is: under TCG on a loaded machine the first few can be lost
                pinger.await("bytes from 10.77.0.2", 120);
                first.kill9();
                Thread.sleep(1000);
                second = ForwarderProcess.start(dir.resolve("fwd.log"), "--config", config.toString());
                String out = pinger.await("VIRTWIRE-GUEST-RESULT", 120);
                Matcher m = Pattern.compile("(\\d+) packets transmitted, (\\d+) packets received").matcher(out);
                assertTrue(m.find(), out);
                int received = Integer.parseInt(m.group(2));
                assertTrue(received >= 20, "pings answered before and after the outage: " + received + "/60\n" + out);
                assertTrue(out.contains("seq=59 "), "the last pings, long after the restart, were answered:\n" + out);
                assertTrue(target.isAlive(), "the other guest was never restarted");
                try (ControlClient c = new ControlClient(dir.resolve("control.sock"))) {
                    JsonNode stats = c.call("{\"op\":\"stats\"}").get("result").get("ports");
                    for (JsonNode p : stats) {
                        long outage = p.get("link").get("lastOutageMillis").asLong();
                        assertTrue(outage >= 1000 && outage < 60_000, p.get("name") + ": outage " + outage + " ms");
                    }
                    assertTrue(c.call("{\"op\":\"health\"}").get("result").get("restartedAfterMillis").asLong() >= 1000);
                }
            }
        } finally {
            first.close();
            if (second != null) {
                second.close();
            }
        }
    }
}
