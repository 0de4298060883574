package io.virtwire.vhostuser.transport;

import io.virtwire.linux.Fd;
import io.virtwire.linux.Memfd;
import io.virtwire.linux.ProcSelf;
import io.virtwire.linux.UnixSocket;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConnectionTest {

    @Test
    void messageWithPayloadAndDescriptorsRoundTrips() throws Exception {
        long before = ProcSelf.nativeFds();
        Connection[] pair = Connection.pair();
        try (Connection frontend = pair[0]; Connection backend = pair[1];
             Fd m0 = Memfd.create("conn", 4096); Fd m1 = Memfd.create("conn", 8192)) {
            byte[] payload = new byte[264];
            for (int i = 0; i < payload.length; i++) {
                payload[i] = (byte) i;
            }
            frontend.send(5, 0x9, payload, m0, m1);
            try (RawMessage msg = backend.receive()) {
                assertEquals(5, msg.request());
                assertEquals(0x9, msg.flags());
                assertEquals(264, msg.size());
                assertArrayEquals(payload, msg.payload());
                assertEquals(2, msg.fds().count());
                try (Fd taken = msg.fds().take(1)) {
                    assertEquals(8192, Memfd.size(taken));
                    assertThrows(IllegalStateException.class, () -> msg.fds().take(1));
                }
                assertEquals(4096, Memfd.size(msg.fds().get(0)));
            }
        }
        assertEquals(before, ProcSelf.nativeFds());
    }

    @Test
    void headerIsNativeOrderU32s() throws Exception {
        UnixSocket[] raw = UnixSocket.pair();
        try (UnixSocket peer = raw[0]; Connection conn = new Connection(raw[1]); Arena arena = Arena.ofConfined()) {
            conn.send(0xFFFF_FFFE, 1, new byte[] {7, 7});
            MemorySegment buf = arena.allocate(14);
            assertEquals(14, peer.receive(buf, 0).bytes());
            ValueLayout.OfInt u32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
            assertEquals(0xFFFF_FFFE, buf.get(u32, 0));
            assertEquals(1, buf.get(u32, 4));
            assertEquals(2, buf.get(u32, 8));
            assertEquals(7, buf.get(ValueLayout.JAVA_BYTE, 13));
        }
    }

    @Test
    void emptyPayloadAndBackToBackMessagesStayFramed() throws Exception {
        Connection[] pair = Connection.pair();
        try (Connection a = pair[0]; Connection b = pair[1]) {
            a.send(1, 1, new byte[0]);
            a.send(2, 1, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
            a.send(3, 1, new byte[0]);
            try (RawMessage m1 = b.receive(); RawMessage m2 = b.receive(); RawMessage m3 = b.receive()) {
                assertEquals(1, m1.request());
                assertEquals(0, m1.size());
                assertEquals(2, m2.request());
                assertEquals(0x0807060504030201L, m2.payloadSegment().get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
                assertEquals(3, m3.request());
                assertEquals(0, m3.fds().count());
            }
        }
    }

    @Test
    void headerAndPayloadSplitAcrossWritesAreReassembled() throws Exception {
        UnixSocket[] raw = UnixSocket.pair();
        try (UnixSocket peer = raw[0]; Connection conn = new Connection(raw[1]); Arena arena = Arena.ofConfined();
             Fd memfd = Memfd.create("split", 0)) {
            MemorySegment bytes = header(arena, 9, 1, 8);
            CompletableFuture<RawMessage> got = CompletableFuture.supplyAsync(() -> {
                try {
                    return conn.receive();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            peer.send(bytes.asSlice(0, 5), memfd.value());
            Thread.sleep(50);
            peer.send(bytes.asSlice(5, 7));
            Thread.sleep(50);
            peer.send(arena.allocateFrom(ValueLayout.JAVA_LONG, 77));
            try (RawMessage m = got.get(10, TimeUnit.SECONDS)) {
                assertEquals(9, m.request());
                assertEquals(77L, m.payloadSegment().get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
                assertEquals(1, m.fds().count());
            }
        }
    }

    @Test
    void oversizedPayloadIsRejectedNamingTheSizeAndItsDescriptorsClosed() throws Exception {
        long before = ProcSelf.nativeFds();
        UnixSocket[] raw = UnixSocket.pair();
        try (UnixSocket peer = raw[0]; Connection conn = new Connection(raw[1]); Arena arena = Arena.ofConfined();
             Fd memfd = Memfd.create("big", 0)) {
            peer.send(header(arena, 5, 1, 269), memfd.value());
            TransportException e = assertThrows(TransportException.class, conn::receive);
            assertTrue(e.getMessage().contains("269-byte payload"), e.getMessage());
            assertTrue(e.getMessage().contains("268"), e.getMessage());
        }
        assertEquals(before, ProcSelf.nativeFds());
    }

    @Test
    void largestLegalPayloadIsAccepted() throws Exception {
        Connection[] pair = Connection.pair();
        try (Connection a = pair[0]; Connection b = pair[1]) {
            a.send(25, 1, new byte[Connection.MAX_FRONTEND_PAYLOAD]);
            try (RawMessage m = b.receive()) {
                assertEquals(268, m.size());
            }
        }
    }

    @Test
    void moreThanEightDescriptorsAreRejectedAndClosed() throws Exception {
        long before = ProcSelf.nativeFds();
        UnixSocket[] raw = UnixSocket.pair();
        Fd[] memfds = new Fd[9];
        try (UnixSocket peer = raw[0]; Connection conn = new Connection(raw[1]); Arena arena = Arena.ofConfined()) {
            int[] values = new int[9];
            for (int i = 0; i < 9; i++) {
                memfds[i] = Memfd.create("many", 0);
                values[i] = memfds[i].value();
            }
            peer.send(header(arena, 5, 1, 0), values);
            TransportException e = assertThrows(TransportException.class, conn::receive);
            assertTrue(e.getMessage().contains("more than 8 descriptors"), e.getMessage());
        } finally {
            for (Fd fd : memfds) {
                if (fd != null) {
                    fd.close();
                }
            }
        }
        assertEquals(before, ProcSelf.nativeFds());
    }

    @Test
    void descriptorsAttachedToThePayloadBreakTheFraming() throws Exception {
        long before = ProcSelf.nativeFds();
        UnixSocket[] raw = UnixSocket.pair();
        try (UnixSocket peer = raw[0]; Connection conn = new Connection(raw[1]); Arena arena = Arena.ofConfined();
             Fd memfd = Memfd.create("late", 0)) {
            peer.send(header(arena, 6, 1, 16));
            peer.send(arena.allocate(16), memfd.value());
            TransportException e = assertThrows(TransportException.class, conn::receive);
            assertTrue(e.getMessage().contains("middle"), e.getMessage());
        }
        assertEquals(before, ProcSelf.nativeFds());
    }

    @Test
    void peerCloseIsPeerDisconnected() throws Exception {
        Connection[] pair = Connection.pair();
        try (Connection b = pair[1]) {
            pair[0].close();
            PeerDisconnectedException e = assertThrows(PeerDisconnectedException.class, b::receive);
            assertEquals("vhost-user peer closed the connection", e.getMessage());
            assertThrows(PeerDisconnectedException.class, () -> b.send(1, 1, new byte[8]));
        }
    }

    @Test
    void peerCloseMidMessageIsPeerDisconnected() throws Exception {
        UnixSocket[] raw = UnixSocket.pair();
        try (Connection conn = new Connection(raw[1]); Arena arena = Arena.ofConfined()) {
            try (UnixSocket peer = raw[0]) {
                peer.send(header(arena, 5, 1, 40).asSlice(0, 12));
                peer.send(arena.allocate(10));
            }
            PeerDisconnectedException e = assertThrows(PeerDisconnectedException.class, conn::receive);
            assertTrue(e.getMessage().contains("middle of a message"), e.getMessage());
        }
    }

    @Test
    void shutdownWakesABlockedReceiverWithPeerDisconnected() throws Exception {
        Connection[] pair = Connection.pair();
        try (Connection _ = pair[0]; Connection b = pair[1]) {
            CompletableFuture<RawMessage> pending = CompletableFuture.supplyAsync(() -> {
                try {
                    return b.receive();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(100);
            assertFalse(pending.isDone());
            b.shutdown();
            Exception e = assertThrows(Exception.class, () -> pending.get(10, TimeUnit.SECONDS));
            assertInstanceOf(PeerDisconnectedException.class, e.getCause().getCause());
        }
    }

    @Test
    void peerCredentialsAreOurOwnProcess() throws Exception {
        Connection[] pair = Connection.pair();
        try (Connection _ = pair[0]; Connection b = pair[1]) {
            assertEquals(ProcessHandle.current().pid(), b.peer().pid());
        }
    }

    @Test
    void receivedFdsIndexErrorsNameTheCount() throws Exception {
        try (ReceivedFds none = ReceivedFds.none()) {
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> none.take(0));
            assertTrue(e.getMessage().contains("carried 0"), e.getMessage());
        }
    }

    private static MemorySegment header(Arena arena, int request, int flags, int size) {
        MemorySegment h = arena.allocate(12, 4);
        h.set(ValueLayout.JAVA_INT, 0, request);
        h.set(ValueLayout.JAVA_INT, 4, flags);
        h.set(ValueLayout.JAVA_INT, 8, size);
        return h;
    }
}
