package io.virtwire.vhostuser.transport;

import io.virtwire.linux.Errno;
import io.virtwire.linux.ErrnoException;
import io.virtwire.linux.ProcSelf;
import io.virtwire.linux.UnixSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ListenerConnectorTest {

    @TempDir
    Path dir;

    @Test
    void connectorReachesListenerAndMessagesFlowBothWays() throws Exception {
        long before = ProcSelf.nativeFds();
        Path path = dir.resolve("vu.sock");
        try (Listener listener = Listener.bind(path)) {
            CompletableFuture<Connection> accepted = CompletableFuture.supplyAsync(() -> {
                try {
                    return listener.accept();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            try (Connection client = new Connector(path, Duration.ofMillis(20), Duration.ZERO).connect();
                 Connection server = accepted.get(10, TimeUnit.SECONDS)) {
                client.send(1, 1, new byte[0]);
                try (RawMessage m = server.receive()) {
                    assertEquals(1, m.request());
                }
                server.send(1, 0x5, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
                try (RawMessage reply = client.receive()) {
                    assertEquals(0x5, reply.flags());
                    assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, reply.payload());
                }
            }
        }
        assertFalse(Files.exists(path), "closing the listener removes its socket file");
        assertEquals(before, ProcSelf.nativeFds());
    }

    @Test
    void staleSocketFileIsReplaced() throws Exception {
        Path path = dir.resolve("stale.sock");
        try (UnixSocket dead = UnixSocket.create()) {
            dead.bind(path); // bound, never listening, then closed: what a crashed process leaves
        }
        assertTrue(Files.exists(path));
        try (Listener listener = Listener.bind(path);
             Connection c = new Connector(path, Duration.ofMillis(20), Duration.ZERO).connect()) {
            assertEquals(path, listener.path());
            assertEquals(ProcessHandle.current().pid(), c.peer().pid());
        }
    }

    @Test
    void liveListenerIsNotStolen() throws Exception {
        Path path = dir.resolve("live.sock");
        try (Listener _ = Listener.bind(path)) {
            FileAlreadyExistsException e = assertThrows(FileAlreadyExistsException.class, () -> Listener.bind(path));
            assertTrue(e.getMessage().contains("pid " + ProcessHandle.current().pid()), e.getMessage());
            assertTrue(Files.exists(path));
            try (Connection c = new Connector(path, Duration.ofMillis(20), Duration.ZERO).connect()) {
                assertTrue(c.peer().pid() > 0);
            }
        }
    }

    @Test
    void regularFileIsNeverDeleted() throws Exception {
        Path path = dir.resolve("precious.sock");
        Files.writeString(path, "data");
        FileAlreadyExistsException e = assertThrows(FileAlreadyExistsException.class, () -> Listener.bind(path));
        assertTrue(e.getMessage().contains("not a socket"), e.getMessage());
        assertEquals("data", Files.readString(path));
    }

    @Test
    void closeWakesABlockedAccept() throws Exception {
        Listener listener = Listener.bind(dir.resolve("wake.sock"));
        CompletableFuture<Connection> accepted = CompletableFuture.supplyAsync(() -> {
            try {
                return listener.accept();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(100);
        listener.close();
        Exception e = assertThrows(Exception.class, () -> accepted.get(10, TimeUnit.SECONDS));
        // blocked in accept: woken with an errno; not yet in accept when close ran (a loaded machine): the fd is gone
        Throwable why = e.getCause().getCause();
        assertTrue(why instanceof ErrnoException || why instanceof IllegalStateException, String.valueOf(e.getCause()));
    }

    @Test
    void connectorRetriesUntilTheServerAppears() throws Exception {
        Path path = dir.resolve("later.sock");
        CompletableFuture<Listener> server = CompletableFuture.supplyAsync(() -> {
            try {
                Thread.sleep(300);
                return Listener.bind(path);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        try (Connection c = new Connector(path, Duration.ofMillis(25), Duration.ofSeconds(10)).connect();
             Listener _ = server.get(10, TimeUnit.SECONDS)) {
            assertEquals(ProcessHandle.current().pid(), c.peer().pid());
        }
    }

    @Test
    void connectorGivesUpWithTheLastErrno() throws Exception {
        long before = ProcSelf.nativeFds();
        Path path = dir.resolve("never.sock");
        long start = System.nanoTime();
        ErrnoException e = assertThrows(ErrnoException.class,
                () -> new Connector(path, Duration.ofMillis(20), Duration.ofMillis(200)).connect());
        assertEquals(Errno.ENOENT, e.errno());
        assertTrue(System.nanoTime() - start >= Duration.ofMillis(200).toNanos());
        assertEquals(before, ProcSelf.nativeFds());
    }
}
