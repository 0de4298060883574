package io.virtwire.forwarder.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtwire.forwarder.app.Daemon;
import io.virtwire.forwarder.config.ForwarderConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Needs root: the control socket refuses a caller that is neither root nor in the control group (checked by
 * SO_PEERCRED even when the socket file's mode would let it connect), and TAP ports create their interface.
 */
@Timeout(60)
class ControlAccessIT {

    private Path dir;
    private Daemon daemon;

    @BeforeEach
    void start() throws Exception {
        assertEquals("0", new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes()).trim(),
                "this integration test needs root (it switches to uid 65534 and creates TAP interfaces)");
        dir = Files.createTempDirectory(Path.of("/tmp"), "vw-control-it");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        daemon = Daemon.start(new ForwarderConfig(dir.resolve("control.sock").toString(), null,
                dir.resolve("state").toString(), null, 1, null, null, null));
    }

    @AfterEach
    void stop() throws Exception {
        daemon.close();
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void aCallerThatIsNeitherRootNorInTheGroupIsRefused() throws Exception {
        Path sock = dir.resolve("control.sock");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)),
                "without a control group only the daemon's user (and root) may connect");
        assertEquals(0, (int) (Integer) Files.getAttribute(sock, "unix:uid"));
        // loosen the file mode so uid 65534 can connect at all: the peer-credential check must still refuse it
        Files.setPosixFilePermissions(sock, PosixFilePermissions.fromString("rw-rw-rw-"));
        Process p = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "/usr/bin/python3", "-c",
                "import socket,sys\n"
                        + "s=socket.socket(socket.AF_UNIX)\n"
                        + "s.connect(sys.argv[1])\n"
                        + "s.sendall(b'{\"op\":\"port.list\"}\\n')\n"
                        + "print(s.makefile().readline(), end='')\n", sock.toString())
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the client finished");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        JsonNode r = new ObjectMapper().readTree(out);
        assertFalse(r.get("ok").asBoolean(), out);
        assertEquals("NOT_ALLOWED", r.get("error").get("kind").asText());
        assertTrue(r.get("error").get("message").asText().contains("uid 65534"), out);

        try (ControlClient root = new ControlClient(sock)) {
            assertTrue(root.call("{\"op\":\"health\"}").get("ok").asBoolean(), "root still gets in");
        }
    }

    private static JsonNode callAs(Path sock, String... setprivIds) throws Exception {
        String out = outputAs(sock, setprivIds);
        try {
            return new ObjectMapper().readTree(out);
        } catch (Exception e) {
            throw new AssertionError("client output: " + out, e);
        }
    }

    /** What a python client running as {@code setprivIds} prints: a response line, or its traceback. */
    private static String outputAs(Path sock, String... setprivIds) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("setpriv"));
        cmd.addAll(java.util.List.of(setprivIds));
        cmd.addAll(java.util.List.of("/usr/bin/python3", "-c",
                "import socket,sys\n"
                        + "s=socket.socket(socket.AF_UNIX)\n"
                        + "s.connect(sys.argv[1])\n"
                        + "s.sendall(b'{\"op\":\"health\"}\\n')\n"
                        + "print(s.makefile().readline(), end='')\n", sock.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the client finished");
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void membersOfTheControlGroupAreAllowedByPrimaryOrSupplementaryGroup() throws Exception {
        Path sock = dir.resolve("group.sock");
        try (Daemon grouped = Daemon.start(new ForwarderConfig(sock.toString(), "nogroup",
                dir.resolve("state-g").toString(), null, 1, null, null, null))) {
            assertEquals(65534, (int) (Integer) Files.getAttribute(sock, "unix:gid"), "the socket belongs to the group");
            assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
            JsonNode primary = callAs(sock, "--reuid=65534", "--regid=65534", "--clear-groups");
            assertTrue(primary.get("ok").asBoolean(), "primary group member: " + primary);
            JsonNode supplementary = callAs(sock, "--reuid=65533", "--regid=65533", "--groups=65534");
            assertTrue(supplementary.get("ok").asBoolean(), "supplementary group member: " + supplementary);
        }
    }

    @Test
    void theDaemonMakesItsSocketDirectoryTraversableForTheGroupAndNobodyElse() throws Exception {
        Path closed = dir.resolve("closed");
        Files.createDirectory(closed);
        Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwx------"));
        Path sock = closed.resolve("forwarder.sock");
        try (Daemon grouped = Daemon.start(new ForwarderConfig(sock.toString(), "nogroup",
                dir.resolve("state-c").toString(), null, 1, null, null, null))) {
            assertEquals("rwx--x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(closed)),
                    "group search added, nothing else");
            assertEquals(65534, (int) (Integer) Files.getAttribute(closed, "unix:gid"));
            assertEquals(0, (int) (Integer) Files.getAttribute(sock, "unix:uid"), "root owns the socket");
            JsonNode member = callAs(sock, "--reuid=65533", "--regid=65533", "--groups=65534");
            assertTrue(member.get("ok").asBoolean(), "a member reaches the socket through the directory: " + member);
            String outsider = outputAs(sock, "--reuid=65533", "--regid=65533", "--clear-groups");
            assertTrue(outsider.contains("Permission denied"), "the file modes keep others out: " + outsider);
        }

        Path fresh = dir.resolve("fresh/sub");
        try (Daemon created = Daemon.start(new ForwarderConfig(fresh.resolve("f.sock").toString(), null,
                dir.resolve("state-f").toString(), null, 1, null, null, null))) {
            assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh)),
                    "a directory the daemon creates is searchable (QEMU reaches vhost-user sockets there)");
            assertEquals(01000, (Integer) Files.getAttribute(fresh, "unix:mode") & 01000,
                    "and sticky: should it ever be opened for group writes, nobody removes sockets not theirs");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh.resolve("f.sock"))));
        }
    }

    @Test
    void aTapPortCreatesItsInterfaceAndRemovingItDeletesIt() throws Exception {
        String name = "vwt" + (ProcessHandle.current().pid() % 100000);
        try (ControlClient c = new ControlClient(dir.resolve("control.sock"))) {
            JsonNode added = c.call("{\"op\":\"port.add\",\"port\":{\"name\":\"t\",\"type\":\"tap\",\"iface\":\"" + name + "\"}}");
            assertTrue(added.get("ok").asBoolean(), added.toString());
            assertEquals(name, added.get("result").get("port").get("iface").asText());
            assertTrue(Files.exists(Path.of("/sys/class/net", name)), "the TAP interface exists");
            JsonNode dup = c.call("{\"op\":\"port.add\",\"port\":{\"name\":\"t2\",\"type\":\"tap\",\"iface\":\"" + name + "\"}}");
            assertEquals("INTERFACE_IN_USE", dup.get("error").get("kind").asText(), dup.toString());
            assertTrue(c.call("{\"op\":\"port.del\",\"name\":\"t\"}").get("ok").asBoolean());
            assertFalse(Files.exists(Path.of("/sys/class/net", name)), "closing a non-persistent TAP removes it");
        }
    }
}
