package io.virtwire.linux;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** sd_notify's datagrams reach a socket bound where NOTIFY_SOCKET points: an abstract name or a path. */
class SdNotifyTest {

    @TempDir
    Path dir;

    @Test
    void aMessageReachesAnAbstractSocket() throws Exception {
        String name = "@h5-sdnotify-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try (NotifySocket listener = NotifySocket.bind(name)) {
            SdNotify.send(name, "READY=1\nSTATUS=up");
            assertEquals("READY=1\nSTATUS=up", listener.receive(Duration.ofSeconds(5)));
        }
    }

    @Test
    void aMessageReachesAPathSocket() throws Exception {
        String path = dir.resolve("notify").toString();
        try (NotifySocket listener = NotifySocket.bind(path)) {
            SdNotify.send(path, "WATCHDOG=1");
            assertEquals("WATCHDOG=1", listener.receive(Duration.ofSeconds(5)));
        }
    }

    @Test
    void nobodyListeningIsAnErrnoNamingTheSocket() {
        String path = dir.resolve("nobody").toString();
        ErrnoException e = assertThrows(ErrnoException.class, () -> SdNotify.send(path, "READY=1"));
        assertTrue(e.getMessage().contains(path), e.getMessage());
    }

    @Test
    void aRelativeOrOverlongAddressIsRefused() {
        IllegalArgumentException relative = assertThrows(IllegalArgumentException.class,
                () -> SdNotify.send("notify", "READY=1"));
        assertEquals("NOTIFY_SOCKET 'notify' is neither an absolute path nor an abstract socket name starting with @",
                relative.getMessage());
        IllegalArgumentException overlong = assertThrows(IllegalArgumentException.class,
                () -> SdNotify.send("/" + "x".repeat(120), "READY=1"));
        assertTrue(overlong.getMessage().startsWith("NOTIFY_SOCKET '/xxx") && overlong.getMessage().endsWith(
                "' is longer than a socket address (107 bytes)"), overlong.getMessage());
    }

    @Test
    void anIdleNonBlockingSocketReceivesNothing() throws Exception {
        String name = "@dups-idle-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try (UnixDatagramSocket socket = UnixDatagramSocket.open(true)) {
            socket.bind(name);
            assertNull(socket.receive(64));
            try (UnixDatagramSocket sender = UnixDatagramSocket.open(false)) {
                sender.sendTo(name, "0123456789".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            assertEquals("0123", new String(socket.receive(4), java.nio.charset.StandardCharsets.UTF_8),
                    "a longer datagram is cut, as recv(2) does");
            assertNull(socket.receive(64), "the rest of a cut datagram is gone");
        }
    }
}
