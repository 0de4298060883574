package io.virtwire.vhostuser.backend;

import io.virtwire.linux.UnixSocket;
import io.virtwire.vhostuser.protocol.BackendRequest;
import io.virtwire.vhostuser.protocol.IotlbMsg;
import io.virtwire.vhostuser.transport.Connection;
import io.virtwire.vhostuser.transport.RawMessage;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackendChannelTest {

    @Test
    void aFrontendThatStopsReadingNeverBlocksTheCallerAndFramingStaysIntact() throws Exception {
        UnixSocket[] pair = UnixSocket.pair();
        try (BackendChannel channel = new BackendChannel(pair[0].fd(), "test");
             Connection frontend = new Connection(pair[1])) {
            // far more than a socket buffer and the queue hold: a blocking send would hang this loop
            long start = System.nanoTime();
            for (int i = 0; i < 200_000; i++) {
                channel.iotlbMiss(0x1000L * i, (i & 1) != 0);
            }
            assertTrue(System.nanoTime() - start < 20_000_000_000L, "the caller never waited for the front-end");
            assertTrue(channel.dropped() > 0, "what did not fit was dropped");
            for (int i = 0; i < 1000; i++) {
                try (RawMessage m = frontend.receive()) {
                    assertEquals(BackendRequest.IOTLB_MSG.code(), m.request());
                    ByteBuffer p = ByteBuffer.wrap(m.payload()).order(ByteOrder.LITTLE_ENDIAN);
                    assertEquals(0x1000L * i, p.getLong(0), "messages in order, none torn");
                    assertEquals((i & 1) != 0 ? IotlbMsg.Permission.WRITE.wire() : IotlbMsg.Permission.READ.wire(), p.get(24));
                    assertEquals(IotlbMsg.Type.MISS.wire(), p.get(25));
                }
            }
        }
    }
}
