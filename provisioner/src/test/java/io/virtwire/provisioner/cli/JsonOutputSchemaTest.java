package io.virtwire.provisioner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtwire.provisioner.demo.FakeDemoHost;
import io.virtwire.provisioner.forwarder.RecordingForwarder;
import io.virtwire.provisioner.forwarder.TestForwarder;
import io.virtwire.provisioner.host.FixtureHosts;
import io.virtwire.vhostuser.backend.BackendServer;
import io.virtwire.vhostuser.net.VhostUserNetDevice;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue 18: every command's {@code --output json} (successes and errors, on fixture hosts, libvirt's test driver and a
 * real forwarder) and every forwarder control API response is valid against its JSON Schema in docs/schemas and keeps
 * the style rules (camelCase keys, {@code changed}, {@code {"error": {"kind", "message"}}}, null not -1;
 * docs/json-output.md). A command without a schema, or one this test never runs, fails it: a new command cannot
 * skip its schema.
 */
@Timeout(300)
class JsonOutputSchemaTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> DOMAINS = List.of("json-a", "json-b", "json-demo");
    private static final String HOSTDEV_PROFILE = """
            pfs:
              - pf: enp1s0f1
                vfs:
                  - index: 0
                    mac: 52:54:00:aa:00:01
                    vlan: 42
                    driver: vfio-pci
            """;
    /** cx6dx-legacy has no vDPA in legacy mode: the second step fails and the first is rolled back (exit 6). */
    private static final String FAILING_PROFILE = """
            pfs:
              - pf: ens2f1
                vfs:
                  - index: 0
                    trust: true
            vdpa:
              - name: vdpa1
                mgmtdev: pci/0000:07:01.2
            """;

    @TempDir
    Path tmp;

    private final JsonSchemas schemas = new JsonSchemas();
    /** Qualified command names ("host fixture list") this test ran successfully with --output json. */
    private final Set<String> ran = new TreeSet<>();
    private SharedTestConnection libvirt;

    @BeforeEach
    void connect() {
        libvirt = SharedTestConnection.withoutLeftovers();
    }

    @AfterEach
    void disconnect() {
        libvirt.undefineAndClose(DOMAINS);
    }

    @Test
    void everyCommandsJsonMatchesItsSchemaAndTheStyle() throws Exception {
        hostCommands();
        domainCommands();
        forwarderCommands();
        otherCommands();

        List<String> problems = new ArrayList<>(schemas.problems);
        for (String command : executableCommands()) {
            if (!ran.contains(command)) {
                problems.add("'virtwire " + command + "' is never run with --output json here: add it (and docs/schemas/"
                        + schemaOf(command) + ".json)");
            }
            if (!Files.isRegularFile(JsonSchemas.DIR.resolve(schemaOf(command) + ".json"))) {
                problems.add("'virtwire " + command + "' has no schema docs/schemas/" + schemaOf(command) + ".json");
            }
        }
        assertTrue(problems.isEmpty(), problems.size() + " problems:\n" + String.join("\n", problems));
    }

    /** The control API's envelope and each operation's result, on the real daemon, raw over its socket. */
    @Test
    void everyControlApiResponseMatchesItsSchemaAndTheStyle() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "json-ctl");
        try (TestForwarder fwd = TestForwarder.start(dir)) {
            String sock = dir.resolve("json-c1.sock").toString();
            control(fwd, "forwarder-health", "{\"op\":\"health\",\"id\":1}");
            control(fwd, "forwarder-port-add", "{\"op\":\"port.add\",\"id\":\"x\",\"port\":{\"name\":\"json-c1\",\"type\":\"vhost-user\","
                    + "\"socket\":\"" + sock + "\",\"queues\":2,\"vlan\":{\"mode\":\"trunk\",\"allowed\":[10,20],\"native\":1}}}");
            control(fwd, "forwarder-port-list", "{\"op\":\"port.list\"}");
            control(fwd, "forwarder-stats", "{\"op\":\"stats\"}");
            control(fwd, "forwarder-stats", "{\"op\":\"stats\",\"name\":\"json-c1\"}");
            control(fwd, "forwarder-macs", "{\"op\":\"macs\",\"vlan\":10}");
            control(fwd, "forwarder-port-del", "{\"op\":\"port.del\",\"name\":\"json-c1\"}");
            for (String bad : List.of("not json", "[1]", "{\"op\":\"nope\",\"id\":7}", "{\"op\":\"port.del\",\"name\":\"json-none\"}",
                    "{\"op\":\"stats\",\"bogus\":1}", "{\"op\":\"macs\",\"vlan\":\"10\"}")) {
                JsonNode r = control(fwd, null, bad);
                assertEquals(false, r.path("ok").asBoolean(true), bad + " -> " + r);
            }
        } finally {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        assertTrue(schemas.problems.isEmpty(), schemas.problems.size() + " problems:\n" + String.join("\n", schemas.problems));
    }

    @Test
    void everySchemaIsADraft2020_12Schema() throws Exception {
        assertEquals(List.of(), schemas.invalidSchemas());
        assertTrue(JsonSchemas.files().size() > 25, "docs/schemas: " + JsonSchemas.files());
    }

    /** The checker itself: the shapes issue 18 named as breaking the style are each caught. */
    @Test
    void theStyleCheckCatchesEveryOldShape() throws Exception {
        Map<String, String> old = Map.of(
                "{\"drops\":{\"no_buffers\":0}}", "not camelCase",
                "{\"profile\":\"-\",\"changes\":true}", "'changes'",
                "{\"failedStep\":\"x\",\"error\":\"EBUSY\"}", "an error must be",
                "{\"ok\":false,\"error\":{\"code\":\"UNKNOWN_OP\",\"message\":\"m\"}}", "an error must be",
                "{\"link\":{\"lastOutageMillis\":-1}}", "-1",
                "{\"note\":\"\"}", "null for none",
                "{\"eswitchMode\":\"none\"}", "null for none");
        old.forEach((doc, expected) -> {
            List<String> found;
            try {
                found = JsonStyle.problems("x", JSON.readTree(doc));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            assertEquals(1, found.size(), doc + " -> " + found);
            assertTrue(found.get(0).contains(expected), doc + " -> " + found);
        });
        assertEquals(List.of(), JsonStyle.problems("host-show", JSON.readTree("{\"drivers\":{\"vfio-pci\":true,\"igb_uio\":false}}")),
                "keys that are data (driver names) are not field names");
        assertEquals(List.of(), JsonStyle.problems("host-show", JSON.readTree("{\"kernel\":{\"files\":{\"/etc/modprobe.d/x.conf\":\"\"}}}")),
                "an empty file's content is the host's data, not a 'none'");
    }

    // ------------------------------------------------------------------------------------------------ commands

    private void hostCommands() throws Exception {
        ok(new CliRunner(), "host", "fixture", "list");
        ok(new CliRunner(), "host", "fixture", "i350-igb-8vfs", tmp.resolve("fixture-copy").toString());
        error(new CliRunner(), "host", "fixture", "json-nosuch", tmp.resolve("fixture-none").toString());
        for (String name : FixtureHosts.NAMES) {
            Path root = FixtureHosts.materialize(name, tmp.resolve("hosts").resolve(name));
            CliRunner cli = new CliRunner(libvirt.module()).fixtureEnv(root, tmp.resolve("state-" + name), tmp.resolve("run"));
            ok(cli, "host", "show");
            ok(cli, Set.of(0, 1), "host", "doctor");
            ok(cli, "vf", "list", "--no-reconcile");
            ok(cli, "vf", "list");
        }
        Path i350 = FixtureHosts.materialize("i350-igb-8vfs", tmp.resolve("profile-host"));
        CliRunner cli = new CliRunner(libvirt.module()).fixtureEnv(i350, tmp.resolve("state-p"), tmp.resolve("run"));
        Path profile = Files.writeString(tmp.resolve("host.yaml"), HOSTDEV_PROFILE);
        ok(cli, "host", "plan", "-f", profile.toString());
        ok(cli, "host", "apply", "-f", profile.toString(), "--dry-run");
        ok(cli, "host", "apply", "-f", profile.toString());
        ok(cli, "host", "apply", "-f", profile.toString());
        ok(cli, "host", "plan", "-f", profile.toString());
        error(cli, "host", "plan", "-f", tmp.resolve("json-missing.yaml").toString());
        Path legacy = FixtureHosts.materialize("cx6dx-legacy", tmp.resolve("legacy-host"));
        Path failing = Files.writeString(tmp.resolve("failing.yaml"), FAILING_PROFILE);
        ok(new CliRunner().env("VIRTWIRE_HOST_ROOT", legacy.toString()), Set.of(ExitCode.HOST_ERROR), "host", "apply", "-f", failing.toString());
    }

    private void domainCommands() throws Exception {
        Path host = FixtureHosts.materialize("i350-igb-8vfs", tmp.resolve("domain-host"));
        Wiring.Replacement base = Wiring.Replacement.all(libvirt.module(), CliRunner.forwarder(new RecordingForwarder()));
        CliRunner cli = new CliRunner(base).fixtureEnv(host, tmp.resolve("domain-state"), tmp.resolve("run"));
        ok(cli, "define-domain", "--template", "hostdev-q35", "--name", "json-a", "--virt-type", "qemu", "--memory", "128MiB");
        ok(cli, "define-domain", "--template", "vhostuser-memfd", "--name", "json-b", "--virt-type", "qemu", "--memory", "128MiB");
        ok(cli, "define-domain", "--template", "hostdev-q35", "--name", "json-x", "--print-xml");
        error(cli, "define-domain", "--template", "json-no-template", "--name", "json-y");
        JsonNode vf = ok(cli, "attach-interface", "json-a", "--type", "hostdev", "--pf", "enp1s0f0", "--vlan", "30", "--config");
        ok(cli, "attach-interface", "json-a", "--type", "hostdev", "--pf", "enp1s0f0", "--print-xml");
        // --ensure: VLAN drift on the allocated VF, converged through the PF then the definition (method, methods)
        ok(cli, "attach-interface", "json-a", "--type", "hostdev", "--pf", "enp1s0f0", "--mac", vf.path("iface").path("mac").asText(),
                "--vlan", "31", "--config", "--ensure");
        ok(cli, "attach-interface", "json-b", "--type", "vhostuser", "--config");
        error(cli, "attach-interface", "json-a", "--type", "hostdev", "--pf", "json-nopf", "--config");
        ok(cli, "domiflist", "json-a");
        ok(cli, "domiflist", "json-b");
        error(cli, "domiflist", "json-nosuch");
        ok(cli, "vf", "list");
        ok(cli, "xml", "network", "--name", "json-pool", "--pf", "enp1s0f1");
        JsonNode hd = ok(cli, "attach-hostdev", "json-a", "--pf", "enp1s0f1", "--config");
        ok(cli, "detach-hostdev", "json-a", hd.path("allocation").path("device").asText(), "--config");
        // detach-interface --ensure: the dry run (would release the VF), the detach, then absent already (iface null)
        ok(cli, "detach-interface", "json-a", "hostdev", "--pf", "enp1s0f0", "--config", "--ensure", "--print-xml");
        ok(cli, "detach-interface", "json-a", "--mac", vf.path("iface").path("mac").asText(), "--config", "--ensure");
        ok(cli, "detach-interface", "json-a", "hostdev", "--pf", "enp1s0f0", "--config", "--ensure");
        error(cli, "detach-interface", "json-a", "--config", "--ensure");
        error(cli, "detach-interface", "json-a", "--mac", "52:54:00:00:00:99", "--config");
        error(cli, "--bogus-option", "domiflist", "json-a");

        // a vDPA NIC (the ConnectX-6 Dx fixture), and a domain XML file edited offline (no allocation, scope "file")
        Path cx6 = FixtureHosts.materialize("cx6dx-switchdev", tmp.resolve("vdpa-host"));
        CliRunner vdpa = new CliRunner(base).fixtureEnv(cx6, tmp.resolve("vdpa-state"), tmp.resolve("run"));
        JsonNode vdpaNic = ok(vdpa, "attach-interface", "json-b", "--type", "vdpa", "--config");
        ok(vdpa, "vf", "list");
        // given back: the test-driver demo (otherCommands) takes the first vDPA device of the same test:///default
        ok(vdpa, "detach-interface", "json-b", "--mac", vdpaNic.path("iface").path("mac").asText(), "--config");
        Path file = tmp.resolve("json-file.xml");
        Files.writeString(file, ok(cli, "define-domain", "--template", "vhostuser-memfd", "--name", "json-file", "--print-xml").path("xml").asText());
        JsonNode offline = ok(cli, "attach-interface", "--domain-xml", file.toString(), "--type", "vhostuser", "--source",
                tmp.resolve("json-file.sock").toString(), "--queues", "2", "--in-place");
        ok(cli, "detach-interface", "--domain-xml", file.toString(), "vhostuser", "--source", tmp.resolve("json-file.sock").toString(),
                "--ensure", "--print-xml");
        ok(cli, "detach-interface", "--domain-xml", file.toString(), "--mac", offline.path("iface").path("mac").asText(), "--in-place");
        error(cli, "attach-interface", "--domain-xml", file.toString(), "--type", "vhostuser");

        // the hook prints nothing on stdout (libvirt reads it as domain XML for migrate and restore)
        String xml = libvirt.gateway().domainXml("json-b", true);
        CliRunner hook = new CliRunner(base).fixtureEnv(host, tmp.resolve("domain-state"), tmp.resolve("run")).stdin(xml);
        ok(hook, "hook", "qemu", "json-b", "prepare", "begin", "-");

        Path hooks = Files.createDirectories(tmp.resolve("hooks"));
        ok(cli, "hook", "install", "--hooks-dir", hooks.toString(), "--libvirt-version", "9.0.0",
                "--launcher", Path.of("../bin/virtwire").toAbsolutePath().normalize().toString());
        ok(cli, "hook", "uninstall", "--hooks-dir", hooks.toString());
        ok(cli, "hook", "uninstall", "--hooks-dir", hooks.toString());

        watch();
    }

    /** watch --once on the 82599 fixture whose VF 0 a guest holds (as WatchCommandTest): a baseline, then an AER event. */
    private void watch() throws Exception {
        String vf = "0000:04:10.0";
        String mac = "52:54:00:04:00:04";
        Path aer = FixtureHosts.materialize("82599-ixgbe-aer", tmp.resolve("aer-host"));
        Path state = Files.createDirectories(tmp.resolve("aer-state"));
        Files.writeString(state.resolve(io.virtwire.provisioner.state.StateStore.RECORD), """
                {"version":1,"allocations":[{"kind":"hostdev","device":"%s","domain":"guest1","state":"held",
                 "pf":"0000:04:00.0","pfNetdev":"ens1f0","vfIndex":0,
                 "settings":{"mac":"%s","vlan":100,"trust":false,"spoofchk":true},
                 "previous":{"mac":"00:00:00:00:00:00","vlan":0,"trust":false,"spoofchk":true},"mac":"%s"}]}
                """.formatted(vf, mac, mac));
        io.virtwire.provisioner.host.sim.SimulatedKernel k = new io.virtwire.provisioner.host.sim.SimulatedKernel(aer);
        k.setVfMac("ens1f0", 0, mac);
        k.setVfVlan("ens1f0", 0, 100, 0);
        var gateway = new io.virtwire.provisioner.libvirt.RecordingGateway().running("guest1", """
                <domain type='kvm'><name>guest1</name><memory unit='MiB'>1024</memory><os><type>hvm</type></os><devices>
                <interface type='hostdev' managed='yes'><mac address='%s'/><source><address type='pci' domain='0x0000' bus='0x04' slot='0x10' function='0x0'/></source><vlan><tag id='100'/></vlan></interface>
                </devices></domain>""".formatted(mac));
        CliRunner watch = new CliRunner(seams -> seams.libvirt(uri -> gateway)).env("VIRTWIRE_HOST_ROOT", aer.toString()).env("VIRTWIRE_STATE_DIR", state.toString());
        ok(watch, "watch", "--once", "--policy", "report");
        k.setVfVlan("ens1f0", 0, 0, 0);
        Path f = aer.resolve("sys/devices/pci0000:00/0000:00:03.0/0000:04:00.0/aer_dev_nonfatal");
        Files.writeString(f, Files.readString(f).replaceAll("TOTAL_ERR_NONFATAL \\d+", "TOTAL_ERR_NONFATAL 9"));
        JsonNode events = ok(watch, "watch", "--once", "--policy", "report");
        assertEquals(1, events.path("events").size(), events.toString());
    }

    private void forwarderCommands() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "json-fwd");
        try (TestForwarder fwd = TestForwarder.start(dir)) {
            CliRunner cli = new CliRunner().env("VIRTWIRE_FORWARDER_SOCK", fwd.control().toString());
            ok(cli, "forwarder", "health");
            ok(cli, "forwarder", "port", "add", "json-f1", "--type", "vhostuser", "--socket", dir.resolve("json-f1.sock").toString(),
                    "--queues", "2", "--trunk", "10,20", "--native", "1");
            ok(cli, "forwarder", "port", "add", "json-f2", "--type", "vhostuser", "--socket", dir.resolve("json-f2.sock").toString(),
                    "--vlan", "10");
            ok(cli, "forwarder", "port", "list");
            ok(cli, "forwarder", "stats");
            ok(cli, "forwarder", "stats", "--queues");
            ok(cli, "forwarder", "macs");
            ok(cli, "forwarder", "port", "del", "json-f2");
            error(cli, "forwarder", "port", "del", "json-f2");
            error(cli, "forwarder", "port", "add", "json-f1", "--type", "vhostuser", "--socket", dir.resolve("json-f3.sock").toString());
        } finally {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        error(new CliRunner().env("VIRTWIRE_FORWARDER_SOCK", tmp.resolve("json-no-fwd.sock").toString()), "forwarder", "health");
    }

    private void otherCommands() throws Exception {
        ok(new CliRunner(), "--version");
        Path sock = Path.of("/tmp", "json-probe-" + ProcessHandle.current().pid() + ".sock");
        try (VhostUserNetDevice device = new VhostUserNetDevice("json-probe", 2, 256);
             BackendServer server = BackendServer.listen(sock, device)) {
            ok(new CliRunner(), "vhost-user", "probe", sock.toString());
        } finally {
            Files.deleteIfExists(sock);
        }
        error(new CliRunner(), "vhost-user", "probe", tmp.resolve("json-nothing.sock").toString());
        FakeDemoHost host = new FakeDemoHost();
        host.root = false;
        CliRunner demo = new CliRunner(seams -> seams.demoHost(host));
        ok(demo, "demo", "--name", "json-demo");
        ok(demo, Set.of(ExitCode.UNAVAILABLE), "demo", "--mode", "real");
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private JsonNode ok(CliRunner cli, String... args) throws Exception {
        return ok(cli, Set.of(0), args);
    }

    /** Runs a command that answers with its own JSON (also for the exit codes in {@code exits}): its command's schema. */
    private JsonNode ok(CliRunner cli, Set<Integer> exits, String... args) throws Exception {
        CliRunner.Result r = cli.run(withJson(args));
        String command = commandOf(args);
        String context = "virtwire --output json " + String.join(" ", args);
        if (!exits.contains(r.exitCode())) {
            schemas.problems.add(context + ": exit " + r.exitCode() + ", expected " + exits + ": " + r);
            return JSON.createObjectNode();
        }
        ran.add(command);
        if (command.equals("hook qemu")) {
            if (!r.out().isEmpty()) {
                schemas.problems.add(context + ": the hook must print nothing on stdout, printed " + r.out());
            }
            schemas.used.merge("hook-qemu", 1, Integer::sum);
            return JSON.createObjectNode();
        }
        schemas.check(schemaOf(command), r.out(), context);
        return r.out().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.out());
    }

    /** Runs a command that fails: stdout is exactly {@code {"error": {"kind", "message"}}} (error.json). */
    private void error(CliRunner cli, String... args) throws Exception {
        CliRunner.Result r = cli.run(withJson(args));
        String context = "virtwire --output json " + String.join(" ", args);
        if (r.exitCode() == 0) {
            schemas.problems.add(context + ": expected a failure, exit 0: " + r);
            return;
        }
        schemas.check("error", r.out(), context);
    }

    /** One control request, its response checked against control-response.json and its result against {@code schema}. */
    private JsonNode control(TestForwarder fwd, String schema, String request) throws Exception {
        String line;
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(fwd.control()))) {
            ch.write(ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8)));
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(8192);
            while (!got.toString(StandardCharsets.UTF_8).endsWith("\n") && ch.read(buf.clear()) > 0) {
                got.write(buf.array(), 0, buf.position());
            }
            line = got.toString(StandardCharsets.UTF_8).trim();
        }
        schemas.check("control-response", line, "control " + request);
        JsonNode r = JSON.readTree(line);
        if (schema != null) {
            assertTrue(r.path("ok").asBoolean(), request + " -> " + line);
            schemas.check(schema, JSON.writeValueAsString(r.get("result")), "control " + request + " (result)");
        }
        return r;
    }

    private static String[] withJson(String... args) {
        List<String> all = new ArrayList<>(List.of("--output", "json"));
        all.addAll(List.of(args));
        return all.toArray(String[]::new);
    }

    /** The schema of a command: its name under virtwire with '-' for spaces ("host fixture list": host-fixture-list). */
    static String schemaOf(String command) {
        return command.isEmpty() ? "version" : command.replace(' ', '-');
    }

    /** The qualified command {@code args} run ("" for virtwire itself, i.e. --version), as picocli parses them. */
    private static String commandOf(String... args) {
        CommandLine root = tree();
        List<CommandLine> path = root.parseArgs(withJson(args)).asCommandLineList();
        return qualified(path.get(path.size() - 1));
    }

    /** Every command that does something of its own: not help, not a group that only lists its subcommands. */
    private static Set<String> executableCommands() {
        Set<String> out = new LinkedHashSet<>();
        out.add("");  // --version
        collect(tree(), out);
        return out;
    }

    private static void collect(CommandLine c, Set<String> out) {
        for (CommandLine sub : c.getSubcommands().values()) {
            if (sub.getCommandName().equals("help") || out.contains(qualified(sub))) {
                continue;
            }
            boolean group = !sub.getSubcommands().isEmpty() && sub.getCommandSpec().positionalParameters().isEmpty();
            if (!group) {
                out.add(qualified(sub));
            }
            collect(sub, out);
        }
    }

    private static String qualified(CommandLine c) {
        String q = c.getCommandSpec().qualifiedName(" ");
        return q.equals("virtwire") ? "" : q.substring("virtwire ".length());
    }

    private static CommandLine tree() {
        CliIo io = new CliIo(new ByteArrayInputStream(new byte[0]), new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        Environment env = new Environment(Map.of());
        return Commands.all(new CommandLine(VirtwireCommand.class, new Wiring(io, env, new GlobalOptions(env))));
    }
}
