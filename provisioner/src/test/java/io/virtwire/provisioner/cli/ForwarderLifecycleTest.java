package io.virtwire.provisioner.cli;

import static io.virtwire.provisioner.cli.CliRunner.ok;
import static io.virtwire.provisioner.cli.CliRunner.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtwire.provisioner.forwarder.TestForwarder;
import io.virtwire.provisioner.host.FixtureHosts;
import io.virtwire.provisioner.libvirt.ForwardingGateway;
import io.virtwire.provisioner.libvirt.LibvirtConnector;
import io.virtwire.provisioner.state.StateStore;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The provisioner's production ForwarderClient binding against the real forwarder daemon: `attach-interface --type
 * vhostuser` registers the port, detach and a refused attach remove it, the qemu hook re-adds it on prepare and
 * removes it on release; without a control socket the attach still works and says the forwarder is not configured.
 */
@Timeout(120)
class ForwarderLifecycleTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DOMAIN = "fw-a";

    @TempDir
    Path tmp;

    private SharedTestConnection libvirt;
    private TestForwarder fwd;
    private Path host;
    private Path state;

    @BeforeEach
    void setUp() throws Exception {
        libvirt = SharedTestConnection.withoutLeftovers();
        host = FixtureHosts.materialize("i350-igb-8vfs", tmp.resolve("host"));
        state = tmp.resolve("state");
        fwd = TestForwarder.start(tmp);
        ok(cli().run("define-domain", "--template", "vhostuser-memfd", "--name", DOMAIN, "--virt-type", "qemu", "--memory", "128MiB"));
    }

    @AfterEach
    void tearDown() throws Exception {
        libvirt.undefineAndClose(List.of(DOMAIN, "fw-b"));
        fwd.close();
    }

    private CliRunner env(CliRunner c) {
        return c.fixtureEnv(host, state, tmp.resolve("run")).env("VIRTWIRE_FORWARDER_SOCK", fwd.control().toString());
    }

    /** No ForwarderClient override: the production binding picks the forwarder's control socket. */
    private CliRunner cli(Wiring.Replacement... extra) {
        return env(new CliRunner(Wiring.Replacement.all(libvirt.module(), Wiring.Replacement.all(extra))));
    }

    private CliRunner hookCli(String stdin) {
        Wiring.Replacement noLibvirt = s -> s.libvirt(uri -> {
            throw new AssertionError("the hook opened a libvirt connection to " + uri);
        });
        return env(new CliRunner(noLibvirt)).stdin(stdin);
    }

    private int recordEntries() throws Exception {
        Path f = state.resolve(StateStore.RECORD);
        return Files.exists(f) ? JSON.readTree(f.toFile()).get("allocations").size() : 0;
    }

    @Test
    void attachRegistersThePortWithTheForwarderAndDetachRemovesIt() throws Exception {
        JsonNode a = json(cli(), "attach-interface", DOMAIN, "--type", "vhostuser", "--config");
        String socket = a.get("allocation").get("device").asText();
        assertEquals(tmp.resolve("run").resolve("fw-a-0.sock").toString(), socket);
        assertEquals(List.of("fw-a-0"), fwd.portNames());
        assertEquals(socket, fwd.socketOf("fw-a-0"));
        assertEquals("server", fwd.daemon().forwarder().configOf("fw-a-0").mode(), "QEMU is the client: the forwarder listens");
        assertTrue(Files.exists(Path.of(socket)), "the forwarder listens before libvirt attaches the NIC");
        io.virtwire.provisioner.forwarder.SocketForwarderClientTest.assertQemuCanConnect(Path.of(socket));
        assertTrue(a.get("notes").toString().contains("registered with the forwarder at " + fwd.control()), a.toString());

        // QEMU as the server: the forwarder connects (and keeps retrying until QEMU listens)
        JsonNode b = json(cli(), "attach-interface", DOMAIN, "--type", "vhostuser", "--mode", "server", "--config");
        assertEquals(List.of("fw-a-0", "fw-a-1"), fwd.portNames());
        assertEquals("client", fwd.daemon().forwarder().configOf("fw-a-1").mode());

        // the CLI's own view of the same ports
        JsonNode list = json(cli(), "forwarder", "port", "list").get("ports");
        assertEquals(socket, list.get(0).get("socket").asText());

        json(cli(), "detach-interface", DOMAIN, "--mac", a.get("allocation").get("mac").asText(), "--config");
        assertEquals(List.of("fw-a-1"), fwd.portNames());
        assertFalse(Files.exists(Path.of(socket)));
        json(cli(), "detach-interface", DOMAIN, "--mac", b.get("allocation").get("mac").asText(), "--config");
        assertEquals(List.of(), fwd.portNames());
    }

    @Test
    void aRefusedAttachRemovesTheForwarderPortAgain() throws Exception {
        Wiring.Replacement refusing = s -> s.libvirt(uri -> ForwardingGateway.refusingDeviceChanges(libvirt.gateway()));
        CliRunner.Result r = cli(refusing).run("attach-interface", DOMAIN, "--type", "vhostuser", "--config");
        assertEquals(ExitCode.LIBVIRT_ERROR, r.exitCode(), r.toString());
        assertTrue(r.err().contains("removed the forwarder port"), r.err());
        assertEquals(List.of(), fwd.portNames());
        assertEquals(0, recordEntries());
    }

    @Test
    void aForwarderThatIsDownStopsTheAttachBeforeLibvirtSeesIt() throws Exception {
        // a stale control socket: the file is there, nobody answers (a killed forwarder)
        Path stale = tmp.resolve("stale.sock");
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(stale));
        }
        String before = libvirt.gateway().domainXml(DOMAIN, true);
        CliRunner.Result r = cli().env("VIRTWIRE_FORWARDER_SOCK", stale.toString()).run("attach-interface", DOMAIN, "--type", "vhostuser", "--config");
        assertEquals(ExitCode.UNAVAILABLE, r.exitCode(), r.toString());
        assertTrue(r.err().contains("the virtwire forwarder is not running") && r.err().contains("start it: bin/virtwire-forwarder --control " + stale),
                r.err());
        assertEquals(before, libvirt.gateway().domainXml(DOMAIN, true), "libvirt was not asked");
        assertEquals(0, recordEntries());
        assertFalse(Files.exists(tmp.resolve("run").resolve("fw-a-0.sock")));
    }

    @Test
    void fixMemoryAddsSharedMemoryOnTheAllocationPathAndWithoutItThePortIsRemovedAgain() throws Exception {
        ok(cli().run("define-domain", "--template", "hostdev-q35", "--name", "fw-b", "--virt-type", "qemu", "--memory", "128MiB"));
        CliRunner.Result refused = cli().run("attach-interface", "fw-b", "--type", "vhostuser", "--config");
        assertEquals(ExitCode.CONFLICT, refused.exitCode(), refused.toString());
        assertTrue(refused.err().contains("--fix-memory"), refused.err());
        assertEquals(List.of(), fwd.portNames(), "the refused attach removed its forwarder port");

        JsonNode a = json(cli(), "attach-interface", "fw-b", "--type", "vhostuser", "--fix-memory", "--config");
        assertEquals(List.of("fw-b-0"), fwd.portNames());
        String xml = libvirt.gateway().domainXml("fw-b", true);
        assertTrue(xml.contains("memfd") && xml.contains("shared"), xml);
        assertTrue(xml.contains(a.get("allocation").get("device").asText()), xml);
    }

    @Test
    void hookInstallFixesTheForwarderSocketInTheScript() throws Exception {
        // libvirtd runs the hook without our environment: the socket given at install time must be in the script
        Path launcher = tmp.resolve("virtwire");
        Files.writeString(launcher, "#!/bin/sh\n");
        launcher.toFile().setExecutable(true);
        Path hooks = tmp.resolve("hooks");
        JsonNode installed = json(cli(), "--forwarder", fwd.control().toString(), "hook", "install", "--hooks-dir", hooks.toString(),
                "--libvirt-version", "9.0.0", "--launcher", launcher.toString());
        assertEquals(fwd.control().toString(), installed.get("forwarder").asText());
        String script = Files.readString(hooks.resolve("qemu.d/virtwire"));
        assertTrue(script.contains(" --forwarder '" + fwd.control() + "' hook qemu \"$@\""), script);
    }

    @Test
    void withoutAControlSocketTheAttachSaysTheForwarderIsNotConfigured() throws Exception {
        Path none = tmp.resolve("none.sock");
        JsonNode a = json(cli().env("VIRTWIRE_FORWARDER_SOCK", none.toString()), "attach-interface", DOMAIN, "--type", "vhostuser", "--config");
        assertTrue(a.get("notes").toString().contains("forwarder not configured")
                && a.get("notes").toString().contains("no forwarder control socket at " + none), a.toString());
        assertEquals(List.of(), fwd.portNames(), "the running forwarder at another socket was not used");
    }

    @Test
    void theHookAddsTheDomainsPortsOnPrepareAndRemovesThemOnRelease() throws Exception {
        JsonNode a = json(cli(), "attach-interface", DOMAIN, "--type", "vhostuser", "--config");
        String socket = a.get("allocation").get("device").asText();
        String xml = libvirt.gateway().domainXml(DOMAIN, true);
        // the forwarder restarted without a config: it lost the port
        ok(cli().run("forwarder", "port", "del", "fw-a-0"));
        assertEquals(List.of(), fwd.portNames());

        CliRunner.Result prepared = ok(hookCli(xml).run("hook", "qemu", DOMAIN, "prepare", "begin", "-"));
        assertEquals("", prepared.out());
        assertEquals(List.of("fw-a-0"), fwd.portNames());
        assertEquals(socket, fwd.socketOf("fw-a-0"));
        // again (libvirt calls prepare on every start): the port is confirmed, not duplicated
        ok(hookCli(xml).run("hook", "qemu", DOMAIN, "prepare", "begin", "-"));
        assertEquals(List.of("fw-a-0"), fwd.portNames());
        String log = Files.readString(state.resolve(HookQemuCommand.LOG));
        assertTrue(log.contains("vhost-user " + socket + ": port registered (vhost-user port registered with the forwarder at " + fwd.control()), log);

        ok(hookCli(xml).run("hook", "qemu", DOMAIN, "release", "end", "-"));
        assertEquals(List.of(), fwd.portNames());
        assertTrue(Files.readString(state.resolve(HookQemuCommand.LOG)).contains("vhost-user " + socket + ": port removed from the forwarder"));
        // release again: nothing left to remove, still fine
        ok(hookCli(xml).run("hook", "qemu", DOMAIN, "release", "end", "-"));
    }
}
