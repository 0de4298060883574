package io.virtwire.provisioner.hook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the installed hook script itself (/bin/sh) with domain XMLs on stdin and a fake launcher that records its
 * arguments and stdin: the JVM starts only for a domain virtwire may hold something of, and then gets the XML as
 * libvirt gave it.
 */
class HookScriptTest {

    @TempDir
    Path dir;
    Path hook;
    Path calls;
    Path state;

    static final String PLAIN = """
            <domain type='kvm'>
              <name>aot-plain</name>
              <devices>
                <interface type='network'><mac address='52:54:00:00:00:01'/><source network='default'/></interface>
                <disk type='file' device='disk'><source file='/var/lib/libvirt/images/a $x `b`.qcow2'/></disk>
              </devices>
            </domain>""";

    @BeforeEach
    void install() throws IOException {
        calls = dir.resolve("calls");
        state = dir.resolve("state dir");
        Files.createDirectories(state);
        Path fake = dir.resolve("fake-virtwire");
        Files.writeString(fake, "#!/bin/sh\n{ echo \"ARGS $*\"; cat; echo; echo END; } >> '" + calls + "'\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        hook = dir.resolve("hooks");
        new HookInstaller().install(hook, 9_000_000, fake, state, Path.of("/"), dir.resolve("fwd.sock"));
        hook = hook.resolve("qemu.d/virtwire");
    }

    private int run(String domain, String op, String xml) throws Exception {
        Process p = new ProcessBuilder("/bin/sh", hook.toString(), domain, op, "begin", "-").redirectErrorStream(true).start();
        try (var in = p.getOutputStream()) {
            in.write(xml.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // the script exits without reading stdin for the operations it ignores (libvirt ignores that EPIPE too)
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        assertEquals("", out, "the hook prints nothing itself");
        return rc;
    }

    private String calls() throws IOException {
        return Files.exists(calls) ? Files.readString(calls) : "";
    }

    @Test
    void aDomainWithoutVirtwireNicsStartsNoJvm() throws Exception {
        assertEquals(0, run("aot-plain", "prepare", PLAIN));
        assertEquals(0, run("aot-plain", "release", PLAIN));
        assertEquals("", calls(), "no JVM for a domain without vhostuser/hostdev/vdpa that the record does not name");
    }

    @Test
    void vhostUserHostdevAndVdpaInterfacesStartIt() throws Exception {
        for (String nic : List.of(
                "<interface type='vhostuser'><source type='unix' path='/run/virtwire/sock/a' mode='server'/></interface>",
                "<interface type=\"hostdev\" managed=\"yes\"><source><address type='pci' domain='0' bus='3' slot='2' function='1'/></source></interface>",
                "<interface type='vdpa'><source dev='/dev/vhost-vdpa-0'/></interface>")) {
            String xml = PLAIN.replace("</devices>", nic + "\n</devices>");
            Files.deleteIfExists(calls);
            assertEquals(0, run("aot-nic", "prepare", xml));
            String c = calls();
            assertTrue(c.startsWith("ARGS --state-dir " + state + " --host-root / --forwarder " + dir.resolve("fwd.sock")
                    + " hook qemu aot-nic prepare begin -\n"), c);
            assertTrue(c.contains(xml + "\n"), "the JVM gets the XML as libvirt gave it: " + c);
        }
    }

    @Test
    void aDomainTheRecordNamesStartsItOnRelease() throws Exception {
        // release works from the record: the XML may no longer show what virtwire handed out
        Files.writeString(state.resolve("allocations.json"), "{ \"allocations\" : [ { \"kind\" : \"hostdev\", \"domain\" : \"aot-held\" } ] }");
        assertEquals(0, run("aot-held", "release", PLAIN));
        assertTrue(calls().startsWith("ARGS "), calls());
        Files.delete(calls);
        assertEquals(0, run("aot-held2", "release", PLAIN));
        assertEquals(0, run("aot-hel", "release", PLAIN));
        assertEquals("", calls(), "only the name as a whole JSON string counts");
    }

    @Test
    void whenUnsureTheJvmDecides() throws Exception {
        assertEquals(0, run("aot-\"quoted", "prepare", PLAIN));
        assertTrue(calls().contains("hook qemu aot-\"quoted prepare"), "a name JSON escapes: " + calls());
        Files.delete(calls);
        assertEquals(0, run("aot-plain", "reboot", PLAIN));
        assertTrue(calls().contains("hook qemu aot-plain reboot"), "an unknown operation is reported by virtwire: " + calls());
        Files.delete(calls);
        Path record = state.resolve("allocations.json");
        Files.writeString(record, "{}");
        Files.setPosixFilePermissions(record, PosixFilePermissions.fromString("---------"));
        if (!Files.isReadable(record)) { // root reads it anyway
            assertEquals(0, run("aot-plain", "release", PLAIN));
            assertTrue(calls().contains("hook qemu aot-plain release"), "an unreadable record: " + calls());
        }
    }

    @Test
    void ignoredOperationsStartNothing() throws Exception {
        String xml = PLAIN.replace("</devices>", "<interface type='vhostuser'/></devices>");
        assertEquals(0, run("aot-nic", "started", xml));
        assertFalse(Files.exists(calls));
    }
}
