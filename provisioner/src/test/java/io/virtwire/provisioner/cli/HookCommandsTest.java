package io.virtwire.provisioner.cli;

import static io.virtwire.provisioner.cli.CliRunner.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtwire.provisioner.forwarder.ForwarderClient;
import io.virtwire.provisioner.forwarder.RecordingForwarder;
import io.virtwire.provisioner.hook.HookInstaller;
import io.virtwire.provisioner.host.FixtureHosts;
import io.virtwire.provisioner.host.HostInventoryReader;
import io.virtwire.provisioner.host.VirtualFunction;
import io.virtwire.provisioner.host.sim.SimulatedKernel;
import io.virtwire.provisioner.libvirt.LibvirtConnector;
import io.virtwire.provisioner.state.StateStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The qemu hook as libvirt calls it, on a simulated host; it must never open a libvirt connection. */
class HookCommandsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private SharedTestConnection libvirt;
    private RecordingForwarder forwarder;
    private Path host;
    private Path state;

    @BeforeEach
    void setUp() {
        libvirt = SharedTestConnection.withoutLeftovers();
        forwarder = new RecordingForwarder();
        host = FixtureHosts.materialize("i350-igb-8vfs", tmp.resolve("host"));
        state = tmp.resolve("state");
        ok(setupCli().run("define-domain", "--template", "vhostuser-memfd", "--name", "hk-a", "--virt-type", "qemu", "--memory", "128MiB"));
    }

    @AfterEach
    void tearDown() {
        libvirt.undefineAndClose(List.of("hk-a"));
    }

    private CliRunner env(CliRunner c) {
        return c.fixtureEnv(host, state, tmp.resolve("run"));
    }

    private CliRunner setupCli() {
        return env(new CliRunner(Wiring.Replacement.all(libvirt.module(), CliRunner.forwarder(forwarder))));
    }

    /** The hook's CLI: any attempt to reach libvirt fails the test. */
    private CliRunner hookCli(String stdin) {
        Wiring.Replacement noLibvirt = s -> s.libvirt(uri -> {
            throw new AssertionError("the hook opened a libvirt connection to " + uri);
        });
        return env(new CliRunner(Wiring.Replacement.all(noLibvirt, CliRunner.forwarder(forwarder)))).stdin(stdin);
    }

    private VirtualFunction vf(String address) {
        SimulatedKernel k = new SimulatedKernel(host);
        return new HostInventoryReader(k.paths(), k).read().pfs().stream().flatMap(p -> p.vfs().stream())
                .filter(v -> v.address().equals(address)).findFirst().orElseThrow();
    }

    private JsonNode attach(String... extra) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("--output", "json", "attach-interface", "hk-a"));
        args.addAll(List.of(extra));
        return JSON.readTree(ok(setupCli().run(args.toArray(String[]::new))).out());
    }

    @Test
    void prepareReappliesTheRecordedVfSettingsAndRegistersSockets() throws Exception {
        JsonNode a = attach("--type", "hostdev", "--pf", "enp1s0f0", "--vlan", "30", "--trust", "on", "--config");
        String dev = a.get("allocation").get("device").asText();
        String mac = a.get("allocation").get("mac").asText();
        JsonNode s = attach("--type", "vhostuser", "--config");
        String socket = s.get("allocation").get("device").asText();
        forwarder.calls.clear();
        // a host reboot: the PF forgets the VF's admin settings
        SimulatedKernel k = new SimulatedKernel(host);
        int index = a.get("allocation").get("vfIndex").asInt();
        k.setVfMac("enp1s0f0", index, VirtualFunction.ZERO_MAC);
        k.setVfVlan("enp1s0f0", index, 0, 0);
        k.setVfTrust("enp1s0f0", index, false);

        String xml = libvirt.gateway().domainXml("hk-a", true);
        CliRunner.Result r = ok(hookCli(xml).run("hook", "qemu", "hk-a", "prepare", "begin", "-"));
        assertEquals("", r.out(), "the hook prints nothing on stdout");
        assertEquals(mac, vf(dev).mac());
        assertEquals(30, vf(dev).vlan());
        assertTrue(vf(dev).trust());
        assertEquals(List.of("add " + socket), forwarder.calls);
        String log = Files.readString(state.resolve(HookQemuCommand.LOG));
        assertTrue(log.contains("hk-a prepare: VF " + dev + ": re-applied ip link set enp1s0f0 vf " + index + " mac " + mac), log);
        assertTrue(log.contains("vhost-user " + socket + ": port registered"), log);

        // a second prepare finds everything in place and changes nothing
        ok(hookCli(xml).run("hook", "qemu", "hk-a", "prepare", "begin", "-"));
        assertTrue(Files.readString(state.resolve(HookQemuCommand.LOG)).contains("settings already in place"));
    }

    /** issue 14: the hook registers the queue pairs of {@code <driver queues>}, re-creating a port of another count. */
    @Test
    void prepareRegistersTheXmlsQueueCountAndReplacesAPortOfAnotherCount() throws Exception {
        String socket = attach("--type", "vhostuser", "--queues", "2", "--config").get("allocation").get("device").asText();
        forwarder.removePort(socket); // the forwarder lost it
        String xml = libvirt.gateway().domainXml("hk-a", true);
        ok(hookCli(xml).run("hook", "qemu", "hk-a", "prepare", "begin", "-"));
        assertEquals(2, forwarder.port(socket).orElseThrow().queues());

        // the port came back with 1 pair (added by hand, or the XML was edited since): the start gets the XML's count
        forwarder.removePort(socket);
        forwarder.addPort(new ForwarderClient.Port(null, socket, null, true, 1));
        ok(hookCli(xml).run("hook", "qemu", "hk-a", "prepare", "begin", "-"));
        assertEquals(2, forwarder.port(socket).orElseThrow().queues());
        String log = Files.readString(state.resolve(HookQemuCommand.LOG));
        assertTrue(log.contains("vhost-user " + socket + ": port registered (recording forwarder (test)), 2 queue pairs (re-created: it had 1)"), log);
    }

    @Test
    void prepareBindsVfioPciForAnUnmanagedVf() throws Exception {
        assertEquals("igbvf", vf("0000:02:11.0").driver());
        String xml = """
                <domain type='kvm'><name>hk-a</name><memory unit='MiB'>128</memory><os><type>hvm</type></os><devices>
                <interface type='hostdev' managed='no'><mac address='52:54:00:00:11:00'/><source><address type='pci' domain='0x0000' bus='0x02' slot='0x11' function='0x0'/></source></interface>
                </devices></domain>""";
        ok(hookCli(xml).run("hook", "qemu", "hk-a", "prepare", "begin", "-"));
        assertEquals("vfio-pci", vf("0000:02:11.0").driver());
        String log = Files.readString(state.resolve(HookQemuCommand.LOG));
        assertTrue(log.contains("VF 0000:02:11.0: bound to vfio-pci (managed='no')") && log.contains("not allocated by virtwire"), log);
        // already on vfio-pci: nothing more to do
        ok(hookCli(xml).run("hook", "qemu", "hk-a", "prepare", "begin", "-"));
        assertEquals(1, Files.readString(state.resolve(HookQemuCommand.LOG)).split("bound to vfio-pci", -1).length - 1);
    }

    @Test
    void releaseOfATransientDomainFreesItsDevicesAndOfAPersistentOneKeepsThem() throws Exception {
        JsonNode a = attach("--type", "hostdev", "--pf", "enp1s0f0", "--config");
        String dev = a.get("allocation").get("device").asText();
        JsonNode s = attach("--type", "vhostuser", "--config");
        String xml = libvirt.gateway().domainXml("hk-a", true);

        // persistent: libvirt keeps its definition under /etc/libvirt/qemu
        Path def = host.resolve("etc/libvirt/qemu/hk-a.xml");
        Files.createDirectories(def.getParent());
        Files.writeString(def, xml);
        ok(hookCli(xml).run("hook", "qemu", "hk-a", "release", "end", "destroyed"));
        // (other tests' domains in the JVM-wide test:///default may have been adopted too: count hk-a's)
        assertEquals(2, entriesOf("hk-a"));
        assertTrue(forwarder.calls.contains("remove " + s.get("allocation").get("device").asText()), forwarder.calls.toString());
        assertEquals(a.get("allocation").get("mac").asText(), vf(dev).mac());

        Files.delete(def);
        ok(hookCli(xml).run("hook", "qemu", "hk-a", "release", "end", "-"));
        assertEquals(0, entriesOf("hk-a"));
        assertEquals(VirtualFunction.ZERO_MAC, vf(dev).mac());
        assertTrue(Files.readString(state.resolve(HookQemuCommand.LOG)).contains("freed (transient domain)"));
    }

    private int entriesOf(String domain) throws Exception {
        int n = 0;
        for (JsonNode a : JSON.readTree(state.resolve(StateStore.RECORD).toFile()).get("allocations")) {
            n += a.get("domain").asText().equals(domain) ? 1 : 0;
        }
        return n;
    }

    @Test
    void ignoredOperationsSucceedSilentlyAndUnknownOnesAreClearErrors() throws Exception {
        for (String op : List.of("start", "started", "stopped", "migrate", "restore", "reconnect", "attach")) {
            CliRunner.Result r = hookCli("<domain/>").run("hook", "qemu", "hk-a", op, "begin", "-");
            assertEquals(0, r.exitCode(), op + ": " + r);
            assertEquals("", r.out(), op + " must print nothing: libvirt reads migrate/restore output as the new XML");
        }
        CliRunner.Result bad = hookCli("<domain/>").run("hook", "qemu", "hk-a", "explode", "begin", "-");
        assertEquals(ExitCode.INVALID_INPUT, bad.exitCode(), bad.toString());
        assertTrue(bad.err().contains("unknown qemu hook operation 'explode'") && bad.err().contains("prepare and release"), bad.err());
        assertFalse(Files.exists(state.resolve(StateStore.RECORD)));

        CliRunner.Result notXml = hookCli("this is not xml").run("hook", "qemu", "hk-a", "prepare", "begin", "-");
        assertEquals(ExitCode.INVALID_INPUT, notXml.exitCode(), notXml.toString());
        assertTrue(notXml.err().contains("not a libvirt domain"), notXml.err());
    }

    @Test
    void installPicksQemuDOnModernLibvirtAndRefusesToClobberAForeignHook() throws Exception {
        Path hooks = tmp.resolve("hooks");
        Path launcher = tmp.resolve("virtwire");
        Files.writeString(launcher, "#!/bin/sh\n");
        launcher.toFile().setExecutable(true);
        JsonNode modern = JSON.readTree(ok(env(new CliRunner()).run("--output", "json", "hook", "install", "--hooks-dir", hooks.toString(),
                "--libvirt-version", "9.0.0", "--launcher", launcher.toString())).out());
        assertEquals(hooks.resolve("qemu.d/virtwire").toString(), modern.get("path").asText());
        assertEquals("qemu.d", modern.get("layout").asText());
        assertTrue(modern.get("changed").asBoolean());
        String script = Files.readString(hooks.resolve("qemu.d/virtwire"));
        assertTrue(script.contains("hook qemu \"$@\"") && script.contains("--state-dir '" + state.toAbsolutePath() + "'")
                && script.contains("timeout -k 5 " + HookInstaller.TIMEOUT_SECONDS), script);
        assertTrue(Files.isExecutable(hooks.resolve("qemu.d/virtwire")));
        JsonNode again = JSON.readTree(ok(env(new CliRunner()).run("--output", "json", "hook", "install", "--hooks-dir", hooks.toString(),
                "--libvirt-version", "9.0.0", "--launcher", launcher.toString())).out());
        assertFalse(again.get("changed").asBoolean());

        Path old = tmp.resolve("old-hooks");
        Files.createDirectories(old);
        Files.writeString(old.resolve("qemu"), "#!/bin/sh\n# someone else's\n");
        CliRunner.Result refused = env(new CliRunner()).run("hook", "install", "--hooks-dir", old.toString(), "--libvirt-version", "6.0.0",
                "--launcher", launcher.toString());
        assertEquals(ExitCode.CONFLICT, refused.exitCode(), refused.toString());
        assertTrue(refused.err().contains("is not virtwire's"), refused.err());
        Files.delete(old.resolve("qemu"));
        JsonNode legacy = JSON.readTree(ok(env(new CliRunner()).run("--output", "json", "hook", "install", "--hooks-dir", old.toString(),
                "--libvirt-version", "6.0.0", "--launcher", launcher.toString())).out());
        assertEquals(old.resolve("qemu").toString(), legacy.get("path").asText());

        JsonNode removed = JSON.readTree(ok(env(new CliRunner()).run("--output", "json", "hook", "uninstall", "--hooks-dir", hooks.toString())).out());
        assertEquals(List.of(hooks.resolve("qemu.d/virtwire").toString()), List.of(removed.get("removed").get(0).asText()));
        assertFalse(Files.exists(hooks.resolve("qemu.d/virtwire")));
    }
}
