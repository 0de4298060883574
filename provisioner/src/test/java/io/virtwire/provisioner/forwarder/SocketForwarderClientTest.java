package io.virtwire.provisioner.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** virtwire's socket-keyed ForwarderClient over the real daemon's name-keyed ports. */
@Timeout(60)
public class SocketForwarderClientTest {

    @TempDir
    Path dir;

    @Test
    void portNamesComeFromTheSocketFileName() {
        assertEquals("vm-a-0", SocketForwarderClient.nameFor("/run/virtwire/vm-a-0.sock"));
        assertEquals("odd_name_", SocketForwarderClient.nameFor("/x/odd name!"));
        assertEquals("p_hidden", SocketForwarderClient.nameFor("/x/_hidden.sock"));
        assertEquals(64, SocketForwarderClient.nameFor("/x/" + "a".repeat(100) + ".sock").length());
    }

    /** QEMU runs as its own user: the socket must be its group's (rw) or everyone's. */
    public static void assertQemuCanConnect(Path socket) throws Exception {
        String group = Files.readAttributes(socket, java.nio.file.attribute.PosixFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                .group().getName();
        String perms = java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(socket, java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertTrue(List.of("libvirt-qemu", "qemu", "kvm").contains(group) && perms.equals("rw-rw----") || perms.equals("rw-rw-rw-"),
                socket + ": " + group + " " + perms);
    }

    @Test
    void addIsIdempotentRemoveOfAnUnknownSocketIsNotAnErrorAndModesFollowTheSide() throws Exception {
        try (TestForwarder fwd = TestForwarder.start(dir)) {
            SocketForwarderClient c = new SocketForwarderClient(new ForwarderControlClient(fwd.control(), Duration.ofSeconds(5)));
            String listens = dir.resolve("dom-0.sock").toString();
            String connects = dir.resolve("dom-1.sock").toString();
            c.addPort(new ForwarderClient.Port("dom", listens, "52:54:00:00:00:01"));
            c.addPort(new ForwarderClient.Port("dom", listens, "52:54:00:00:00:01")); // the hook on every start
            c.addPort(new ForwarderClient.Port("dom", connects, "52:54:00:00:00:02", false));
            assertEquals(List.of("dom-0", "dom-1"), fwd.portNames());
            assertTrue(Files.exists(Path.of(listens)), "server side: the forwarder listens");
            assertQemuCanConnect(Path.of(listens));
            assertFalse(Files.exists(Path.of(connects)), "client side: QEMU will create it; the forwarder keeps trying to connect");
            assertEquals(List.of(new ForwarderClient.Port(null, listens, null, true), new ForwarderClient.Port(null, connects, null, false)),
                    c.ports());
            assertTrue(c.describe().contains(fwd.control().toString()), c.describe());

            // the same file name in another directory gets a unique name
            Path other = Files.createDirectories(dir.resolve("other"));
            c.addPort(new ForwarderClient.Port("dom", other.resolve("dom-0.sock").toString(), null));
            assertEquals(List.of("dom-0", "dom-1", "dom-0-2"), fwd.portNames());
            assertEquals(other.resolve("dom-0.sock").toString(), fwd.socketOf("dom-0-2"));

            c.removePort(listens);
            c.removePort(listens);
            c.removePort(dir.resolve("never.sock").toString());
            assertEquals(List.of("dom-1", "dom-0-2"), fwd.portNames());
        }
    }

    /**
     * The queue count reaches the daemon (port.list says it), a second registration with another count is refused
     * with the fix, and the hook's registration re-creates a port of another count (no QEMU is on it yet).
     */
    @Test
    void queuePairsReachTheDaemonAndAMismatchIsRefusedOrReplacedForAStart() throws Exception {
        try (TestForwarder fwd = TestForwarder.start(dir)) {
            SocketForwarderClient c = new SocketForwarderClient(new ForwarderControlClient(fwd.control(), Duration.ofSeconds(5)));
            String socket = dir.resolve("mq-0.sock").toString();
            c.addPort(new ForwarderClient.Port("mq", socket, null, true, 2));
            assertEquals(2, c.port(socket).orElseThrow().queues());
            c.addPort(new ForwarderClient.Port("mq", socket, null, true, 2)); // confirms

            io.virtwire.provisioner.VirtwireException e = org.junit.jupiter.api.Assertions.assertThrows(
                    io.virtwire.provisioner.VirtwireException.class, () -> c.addPort(new ForwarderClient.Port("mq", socket, null, true, 4)));
            assertEquals(io.virtwire.provisioner.VirtwireException.Kind.CONFLICT, e.kind());
            assertTrue(e.getMessage().contains("has 2 queue pairs but the interface asks for 4")
                    && e.getMessage().contains("--queues 2"), e.getMessage());
            assertEquals(2, c.port(socket).orElseThrow().queues(), "the refused registration changed nothing");

            c.registerForStart(new ForwarderClient.Port("mq", socket, null, true, 4));
            assertEquals(4, c.port(socket).orElseThrow().queues(), "the domain XML's count wins at start");
            assertEquals(List.of("mq-0"), fwd.portNames());
        }
    }
}
