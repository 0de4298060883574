package io.virtwire.linux;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UnixSocketTest {

    @TempDir
    Path dir;

    @Test
    void scmRightsCarriesSeveralMemfdsThatMapTheSameMemory() throws Exception {
        long before = ProcSelf.nativeFds();
        UnixSocket[] pair = UnixSocket.pair();
        List<Fd> sent = new ArrayList<>();
        try (UnixSocket a = pair[0]; UnixSocket b = pair[1]; Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < 3; i++) {
                sent.add(Memfd.create("scm" + i, 4096));
            }
            MemorySegment payload = arena.allocateFrom("hello", StandardCharsets.US_ASCII);
            long n = a.send(payload, sent.stream().mapToInt(Fd::value).toArray());
            assertEquals(payload.byteSize(), n);

            MemorySegment buf = arena.allocate(64);
            UnixSocket.Received got = b.receive(buf, 8);
            assertEquals(payload.byteSize(), got.bytes());
            assertEquals("hello", buf.getString(0, StandardCharsets.US_ASCII));
            assertEquals(3, got.fds().size());
            for (int i = 0; i < 3; i++) {
                MemorySegment original = Mman.mapShared(sent.get(i), 0, 4096, arena);
                MemorySegment received = Mman.mapShared(got.fds().get(i), 0, 4096, arena);
                original.set(ValueLayout.JAVA_INT, 100, 0xC0FFEE00 + i);
                assertEquals(0xC0FFEE00 + i, received.get(ValueLayout.JAVA_INT, 100));
                assertTrue(got.fds().get(i).value() != sent.get(i).value());
            }
            got.fds().forEach(Fd::close);
        } finally {
            sent.forEach(Fd::close);
        }
        assertEquals(before, ProcSelf.nativeFds());
    }

    @Test
    void tooManyDescriptorsAreClosedAndReported() throws Exception {
        long before = ProcSelf.nativeFds();
        UnixSocket[] pair = UnixSocket.pair();
        try (UnixSocket a = pair[0]; UnixSocket b = pair[1]; Arena arena = Arena.ofConfined();
             Fd m1 = Memfd.create("trunc", 0); Fd m2 = Memfd.create("trunc", 0); Fd m3 = Memfd.create("trunc", 0)) {
            a.send(arena.allocate(4), m1.value(), m2.value(), m3.value());
            AncillaryDataTruncatedException e = assertThrows(AncillaryDataTruncatedException.class,
                    () -> b.receive(arena.allocate(4), 2));
            assertTrue(e.getMessage().contains("more than 2"), e.getMessage());
        }
        assertEquals(before, ProcSelf.nativeFds());
    }

    @Test
    void cmsgMacrosMatchTheKernelAbi() {
        // CMSG_LEN(4) = 20, CMSG_SPACE(4) = 24, CMSG_SPACE(8 fds) = 16 + 32
        assertEquals(20, UnixSocket.Cmsg.len(4));
        assertEquals(24, UnixSocket.Cmsg.space(4));
        assertEquals(48, UnixSocket.Cmsg.space(32));
        assertEquals(28, UnixSocket.Cmsg.len(12));
        assertEquals(32, UnixSocket.Cmsg.space(12));
    }

    @Test
    void pathSocketAcceptsConnectsAndReportsPeerCredentials() throws Exception {
        Path path = dir.resolve("s.sock");
        try (UnixSocket server = UnixSocket.create()) {
            server.bind(path);
            server.listen(4);
            CompletableFuture<UnixSocket> accepted = CompletableFuture.supplyAsync(() -> {
                try {
                    return server.accept(false);
                } catch (ErrnoException e) {
                    throw new RuntimeException(e);
                }
            });
            try (UnixSocket client = UnixSocket.create(); Arena arena = Arena.ofConfined()) {
                client.connect(path);
                try (UnixSocket peer = accepted.get(10, TimeUnit.SECONDS)) {
                    PeerCredentials creds = peer.peerCredentials();
                    assertEquals(ProcessHandle.current().pid(), creds.pid());
                    assertEquals(uid(), creds.uid());
                    client.send(arena.allocateFrom(ValueLayout.JAVA_INT, 42));
                    MemorySegment buf = arena.allocate(4);
                    assertEquals(4, peer.receive(buf, 0).bytes());
                    assertEquals(42, buf.get(ValueLayout.JAVA_INT, 0));
                }
            }
        }
    }

    @Test
    void connectToMissingPathIsEnoent() throws Exception {
        Path missing = dir.resolve("nobody-here.sock");
        try (UnixSocket s = UnixSocket.create()) {
            ErrnoException e = assertThrows(ErrnoException.class, () -> s.connect(missing));
            assertEquals(Errno.ENOENT, e.errno());
            assertEquals("connect(" + missing + "): ENOENT (No such file or directory)", e.getMessage());
        }
    }

    @Test
    void bindToAPathLongerThanSunPathIsAClearError() throws Exception {
        Path tooLong = dir.resolve("x".repeat(120) + ".sock");
        try (UnixSocket s = UnixSocket.create()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.bind(tooLong));
            assertTrue(e.getMessage().contains("at most 107 bytes"), e.getMessage());
            assertTrue(e.getMessage().contains(tooLong.toString()), e.getMessage());
        }
    }

    @Test
    void peerCloseReadsAsZeroBytesAndSendingThenFailsWithEpipe() throws Exception {
        UnixSocket[] pair = UnixSocket.pair();
        try (UnixSocket a = pair[0]; Arena arena = Arena.ofConfined()) {
            pair[1].close();
            assertEquals(0, a.receive(arena.allocate(8), 4).bytes());
            ErrnoException e = assertThrows(ErrnoException.class, () -> a.send(arena.allocate(8)));
            assertEquals(Errno.EPIPE, e.errno());
            assertTrue(e.isBroken());
        }
    }

    @Test
    void shutdownWakesABlockedReceiver() throws Exception {
        UnixSocket[] pair = UnixSocket.pair();
        try (UnixSocket a = pair[0]; UnixSocket b = pair[1]) {
            CompletableFuture<Long> read = CompletableFuture.supplyAsync(() -> {
                try (Arena arena = Arena.ofConfined()) {
                    return a.receive(arena.allocate(8), 0).bytes();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(100);
            a.shutdown();
            assertEquals(0L, read.get(10, TimeUnit.SECONDS));
            assertTrue(b.fd().isOpen());
        }
    }

    @Test
    void heapSendBufferIsCopied() throws Exception {
        UnixSocket[] pair = UnixSocket.pair();
        try (UnixSocket a = pair[0]; UnixSocket b = pair[1]; Arena arena = Arena.ofConfined()) {
            byte[] data = {1, 2, 3, 4, 5};
            assertEquals(5, a.send(MemorySegment.ofArray(data)));
            MemorySegment buf = arena.allocate(5);
            b.receive(buf, 0);
            assertArrayEquals(data, buf.toArray(ValueLayout.JAVA_BYTE));
        }
    }

    private static int uid() throws Exception {
        return (Integer) java.nio.file.Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }
}
