package io.virtwire.provisioner.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SocketPathAndQueuesTest {

    @Test
    void socketPathMustBeAbsolute() {
        var e = assertThrows(IllegalArgumentException.class, () -> new UnixSocketPath("run/vm.sock"));
        assertTrue(e.getMessage().startsWith("invalid vhost-user socket path 'run/vm.sock': must be absolute"));
    }

    @Test
    void socketPathFitsSunPath() {
        String ok = "/" + "a".repeat(UnixSocketPath.MAX_BYTES - 1);
        assertEquals(107, new UnixSocketPath(ok).value().length());
        var e = assertThrows(IllegalArgumentException.class, () -> new UnixSocketPath(ok + "b"));
        assertTrue(e.getMessage().contains("108 bytes is longer than the 107 bytes"), e.getMessage());
        // multi-byte characters count as bytes, not chars
        String wide = "/" + "é".repeat(54);
        assertThrows(IllegalArgumentException.class, () -> new UnixSocketPath(wide));
    }

    @Test
    void queueCountRange() {
        assertEquals(1, new QueueCount(1).value());
        assertEquals(256, new QueueCount(256).value());
        var zero = assertThrows(IllegalArgumentException.class, () -> new QueueCount(0));
        assertEquals("invalid queue count 0: expected 1..256", zero.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new QueueCount(257));
        assertThrows(IllegalArgumentException.class, () -> QueueCount.parse("four"));
    }
}
