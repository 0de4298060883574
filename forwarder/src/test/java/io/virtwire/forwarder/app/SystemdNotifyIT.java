package io.virtwire.forwarder.app;

import io.virtwire.linux.NotifySocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code Type=notify}: bin/virtwire-forwarder, started with {@code $NOTIFY_SOCKET} pointing at a datagram socket this
 * test bound (as systemd does), sends READY=1 only once its control socket answers, WATCHDOG=1 at half of
 * {@code $WATCHDOG_USEC}, STOPPING=1 on SIGTERM, and exits 0.
 */
class SystemdNotifyIT {

    @TempDir
    Path dir;

    @Test
    void readyWatchdogAndStoppingOverAnAbstractSocket() throws Exception {
        String address = "@h5-notify-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        Path control = dir.resolve("control.sock");
        try (NotifySocket notify = NotifySocket.bind(address);
             LaunchedDaemon d = LaunchedDaemon.start(dir.resolve("notify.log"),
                     Map.of("NOTIFY_SOCKET", address, "WATCHDOG_USEC", "400000"),
                     "--control", control.toString(), "--config", config().toString())) {
            String ready = notify.receive(Duration.ofSeconds(60));
            assertNotNull(ready, "no READY=1 within 60 s; log:\n" + d.log());
            assertTrue(ready.startsWith("READY=1\n"), ready);
            assertTrue(ready.contains("MAINPID=" + d.pid()), "the main pid is the JVM's: " + ready);
            assertTrue(Files.exists(control), "READY=1 comes after the control socket is up");
            List<String> pings = new ArrayList<>();
            long until = System.nanoTime() + Duration.ofMillis(1500).toNanos();
            while (System.nanoTime() < until) {
                String m = notify.receive(Duration.ofMillis(300));
                if (m != null) {
                    pings.add(m);
                }
            }
            long watchdogs = pings.stream().filter("WATCHDOG=1"::equals).count();
            // every 200 ms for 1.5 s: about 7; at least 4 even on a loaded machine, and not a flood
            assertTrue(watchdogs >= 4 && watchdogs <= 12, "WATCHDOG=1 at half of WATCHDOG_USEC: " + pings);
            d.signal("TERM");
            String stopping = null;
            for (int i = 0; i < 20 && !"STOPPING=1".equals(stopping); i++) {
                stopping = notify.receive(Duration.ofSeconds(1));
            }
            assertEquals("STOPPING=1", stopping, "STOPPING=1 on SIGTERM; log:\n" + d.log());
            assertEquals(0, d.awaitExit(30), "SIGTERM is a normal stop; log:\n" + d.log());
        }
    }

    @Test
    void readyOverAPathSocketAndNoWatchdogWithoutWatchdogUsec() throws Exception {
        Path address = dir.resolve("notify");
        Path control = dir.resolve("control2.sock");
        try (NotifySocket notify = NotifySocket.bind(address.toString());
             LaunchedDaemon d = LaunchedDaemon.start(dir.resolve("notify2.log"),
                     Map.of("NOTIFY_SOCKET", address.toString()),
                     "--control", control.toString(), "--config", config().toString())) {
            String ready = notify.receive(Duration.ofSeconds(60));
            assertNotNull(ready, "no READY=1 within 60 s; log:\n" + d.log());
            assertTrue(ready.startsWith("READY=1\n"), ready);
            assertEquals(null, notify.receive(Duration.ofSeconds(1)), "no watchdog pings unless systemd asks");
            d.signal("TERM");
            assertEquals("STOPPING=1", notify.receive(Duration.ofSeconds(20)));
            assertEquals(0, d.awaitExit(30), d.log());
        }
    }

    private Path config() throws Exception {
        Path f = dir.resolve("notify.yaml");
        Files.writeString(f, "stateDir: " + dir.resolve("state") + "\n");
        return f;
    }
}
