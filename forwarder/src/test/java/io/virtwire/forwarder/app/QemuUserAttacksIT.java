package io.virtwire.forwarder.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.virtwire.forwarder.engine.OpenedInTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 13's first finding, replayed by a real QEMU user (setpriv as {@code libvirt-qemu}): the socket directory
 * is {@code root:<QEMU's group> 0771}, as {@code attach-interface --type vhostuser} made it. The forwarder must
 * not keep its state there, must not load a ports.json it does not own, must never write through a planted
 * symlink, and the QEMU user must not be able to unlink or replace the control socket or another user's socket.
 * Needs root.
 */
@Timeout(180)
class QemuUserAttacksIT {

    @RegisterExtension
    final OpenedInTest opened = new OpenedInTest();

    private UnprivilegedUser qemu;
    private Path base;
    private Path run;
    private Path victim;

    @BeforeEach
    void setUp() throws Exception {
        qemu = UnprivilegedUser.qemu();
        // not under target/ or a 0700 @TempDir: the QEMU user must be able to reach the socket directory
        base = Files.createTempDirectory(Path.of("/tmp"), "vw-sfw-attack-");
        Files.setAttribute(base, "unix:mode", 0755);
        run = Files.createDirectory(base.resolve("run"));
        Files.setAttribute(run, "unix:gid", qemu.gid);
        Files.setAttribute(run, "unix:mode", 0771); // what attach-interface made it: rwxrwx--x, no sticky bit
        victim = Files.writeString(base.resolve("root-only"), "root's secret\n");
        Files.setAttribute(victim, "unix:mode", 0600);
    }

    @AfterEach
    void tearDown() throws Exception {
        opened.afterEach(null);
        if (base != null) {
            try (Stream<Path> s = Files.walk(base)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        if (qemu != null) {
            qemu.close();
        }
    }

    @Test
    void theSharedSocketDirectoryIsRefusedAsStateDirAndAPlantedTempSymlinkIsNeverWrittenThrough() throws Exception {
        for (String temp : new String[] {"forwarder.heartbeat.tmp", "ports.json.tmp"}) {
            UnprivilegedUser.Result r = qemu.sh("ln -s \"$1\" \"$2\"", victim.toString(), run.resolve(temp).toString());
            assertEquals(0, r.code(), "the QEMU user may write the socket directory (the setting attacked): " + r.out());
        }
        Path config = Forwarders.config(base, "fwd.yaml", run.resolve("control.sock"), run);
        ForwarderProcess fwd = opened.keep(ForwarderProcess.start(base.resolve("fwd.log"), "--config", config.toString()));
        // until it gives up, or runs and has beaten a few times (the old code did, writing through the links)
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (fwd.isAlive() && Files.notExists(run.resolve("control.sock")) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        if (fwd.isAlive()) {
            Thread.sleep(1500);
        }
        assertEquals("root's secret\n", Files.readString(victim), "the root-only file was not overwritten; log:\n" + fwd.log());
        int code = Forwarders.awaitExit(fwd, "a state directory the QEMU group can write must be refused");
        assertNotEquals(0, code);
        assertTrue(fwd.log().contains("STATE_DIR_UNSAFE") && fwd.log().contains(run + " is writable by its group")
                && fwd.log().contains("chmod 0700"), "the refusal names the problem and the fix:\n" + fwd.log());
        assertEquals(0600, (Integer) Files.getAttribute(victim, "unix:mode") & 07777);
    }

    @Test
    void theQemuUserCannotTouchTheStateAndAPortsJsonItOwnsIsNeverLoaded() throws Exception {
        Path state = base.resolve("state");
        Path control = run.resolve("control.sock");
        Path config = Forwarders.config(base, "fwd.yaml", control, state);
        ForwarderProcess first = Forwarders.startServing(opened, base.resolve("fwd.log"), config, control);
        Path vm1 = run.resolve("vm1.sock");
        Forwarders.addPort(control, "vm1", vm1);
        Files.setAttribute(vm1, "unix:gid", qemu.gid); // what attach-interface does for QEMU, 0660
        Files.setAttribute(vm1, "unix:mode", 0660);

        assertEquals(0700, (Integer) Files.getAttribute(state, "unix:mode") & 07777, "the state is root's alone");
        UnprivilegedUser.Result link = qemu.sh("ln -s \"$1\" \"$2\"", victim.toString(),
                state.resolve("forwarder.heartbeat.tmp").toString());
        assertNotEquals(0, link.code(), "the QEMU user cannot plant a link in the state directory: " + link.out());
        UnprivilegedUser.Result plant = qemu.sh("echo '{}' > \"$1\"", state.resolve("ports.json").toString());
        assertNotEquals(0, plant.code(), "nor a ports.json: " + plant.out());

        // the socket directory: the forwarder made it sticky, so nobody can remove or replace what is not theirs
        assertEquals(01000, (Integer) Files.getAttribute(run, "unix:mode") & 01000, "sticky socket directory");
        UnprivilegedUser.Result rm = qemu.sh("rm -f \"$1\"", control.toString());
        assertFalse(rm.code() == 0 && Files.notExists(control, LinkOption.NOFOLLOW_LINKS),
                "the QEMU user cannot unlink the control socket: " + rm.out());
        UnprivilegedUser.Result mv = qemu.sh("touch \"$1\" && mv -f \"$1\" \"$2\"", run.resolve("fake").toString(),
                control.toString());
        assertNotEquals(0, mv.code(), "nor replace it by a rename: " + mv.out());
        assertEquals(0, (int) (Integer) Files.getAttribute(control, "unix:uid", LinkOption.NOFOLLOW_LINKS));
        Forwarders.ok(control, "{\"op\":\"health\"}");
        // another guest's QEMU (another uid in the same group) made its own socket: the first QEMU cannot remove it
        Path other = run.resolve("other-guest.sock");
        UnprivilegedUser.Result bind = qemu.shAsOtherGroupMember(65533,
                "python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \"$1\"", other.toString());
        assertEquals(0, bind.code(), "a group member may create its socket: " + bind.out());
        UnprivilegedUser.Result rmOther = qemu.sh("rm -f \"$1\"", other.toString());
        assertTrue(Files.exists(other, LinkOption.NOFOLLOW_LINKS), "another user's socket survives: " + rmOther.out());

        // the finding: a ports.json owned by the QEMU user (here put there by root for it, as the old shared
        // directory allowed), naming an AF_PACKET port on lo and a world-writable socket, then a crash
        first.kill9();
        String evil = """
                {"version":1,"ports":[{"name":"evil","type":"af-packet","iface":"lo"},
                 {"name":"vm1","type":"vhost-user","socket":"%s","mode":"server"}],
                 "socketAccess":{"vm1":{"mode":438,"gid":%d}}}
                """.formatted(vm1, qemu.gid);
        Path planted = Files.writeString(state.resolve("ports.json"), evil);
        Files.setAttribute(planted, "unix:uid", qemu.uid);
        Files.delete(vm1); // no stale socket to take the access from: the record alone decides
        ForwarderProcess second = Forwarders.startServing(opened, base.resolve("fwd.log"), config, control);
        JsonNode health = Forwarders.ok(control, "{\"op\":\"health\"}");
        String problem = health.get("stateProblem").asText();
        assertEquals("degraded", health.get("status").asText(), health.toString());
        assertTrue(problem.contains("owned by uid " + qemu.uid) && problem.contains("ports.json.untrusted-"), problem);
        assertEquals(0, Forwarders.ok(control, "{\"op\":\"port.list\"}").get("ports").size(),
                "nothing from the planted file was opened");
        assertTrue(Files.notExists(vm1), "no socket was created from it, let alone with mode 0666");
        try (Stream<Path> s = Files.list(state)) {
            assertTrue(s.anyMatch(p -> p.getFileName().toString().startsWith("ports.json.untrusted-")),
                    "moved aside as evidence");
        }
    }
}
