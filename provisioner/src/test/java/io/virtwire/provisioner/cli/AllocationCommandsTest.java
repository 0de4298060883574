package io.virtwire.provisioner.cli;

import static io.virtwire.provisioner.cli.CliRunner.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtwire.provisioner.forwarder.ForwarderClient;
import io.virtwire.provisioner.forwarder.RecordingForwarder;
import io.virtwire.provisioner.host.FixtureHosts;
import io.virtwire.provisioner.host.HostInventory;
import io.virtwire.provisioner.host.HostInventoryReader;
import io.virtwire.provisioner.host.TreeSnapshot;
import io.virtwire.provisioner.host.VirtualFunction;
import io.virtwire.provisioner.host.profile.HostAccess;
import io.virtwire.provisioner.host.profile.HostActionException;
import io.virtwire.provisioner.host.sim.SimulatedKernel;
import io.virtwire.provisioner.libvirt.ForwardingGateway;
import io.virtwire.provisioner.libvirt.LibvirtConnector;
import io.virtwire.provisioner.libvirt.xml.HostdevNetwork;
import io.virtwire.provisioner.state.StateStore;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** VF / vDPA / socket allocation on simulated fixture hosts and libvirt's test driver, through the CLI. */
class AllocationCommandsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> DOMAINS = List.of("lc-a", "lc-b", "lc-c", "lc-d", "lc-e", "lc-f");

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
        for (String d : DOMAINS) {
            ok(cli().run("define-domain", "--template", "vhostuser-memfd", "--name", d, "--virt-type", "qemu", "--memory", "128MiB"));
        }
    }

    @AfterEach
    void tearDown() {
        libvirt.undefineAndClose(DOMAINS);
    }

    private CliRunner cli(Wiring.Replacement... extra) {
        Wiring.Replacement base = Wiring.Replacement.all(libvirt.module(), CliRunner.forwarder(forwarder));
        return new CliRunner(Wiring.Replacement.all(base, Wiring.Replacement.all(extra))).fixtureEnv(host, state, tmp.resolve("run"));
    }

    private JsonNode json(String... args) throws Exception {
        return CliRunner.json(cli(), args);
    }

    private HostInventory inventory() {
        SimulatedKernel k = new SimulatedKernel(host);
        return new HostInventoryReader(k.paths(), k).read();
    }

    private VirtualFunction vf(String address) {
        return inventory().pfs().stream().flatMap(p -> p.vfs().stream()).filter(v -> v.address().equals(address)).findFirst().orElseThrow();
    }

    private JsonNode record() throws Exception {
        Path f = state.resolve(StateStore.RECORD);
        return Files.exists(f) ? JSON.readTree(f.toFile()) : JSON.readTree("{\"allocations\":[]}");
    }

    @Test
    void attachPfPicksAFreeVfConfiguresItRecordsItAndAttachesIt() throws Exception {
        JsonNode change = json("attach-interface", "lc-a", "--type", "hostdev", "--pf", "enp1s0f0", "--vlan", "42", "--mac", "52:54:00:12:34:56",
                "--trust", "on", "--spoofchk", "off", "--config");
        assertTrue(change.get("changed").asBoolean());
        JsonNode alloc = change.get("allocation");
        assertEquals("hostdev", alloc.get("kind").asText());
        assertEquals("held", alloc.get("state").asText());
        assertEquals("0000:01:00.0", alloc.get("pf").asText());
        assertEquals("enp1s0f0", alloc.get("pfNetdev").asText());
        String picked = alloc.get("device").asText();
        assertEquals(picked, change.get("iface").get("source").asText());

        VirtualFunction v = vf(picked);
        assertEquals("52:54:00:12:34:56", v.mac());
        assertEquals(42, v.vlan());
        assertTrue(v.trust());
        assertFalse(v.spoofchk());

        JsonNode listed = json("domiflist", "lc-a", "--inactive");
        assertEquals(picked, listed.get("interfaces").get(0).get("source").asText());
        assertEquals("52:54:00:12:34:56", listed.get("interfaces").get(0).get("mac").asText());

        JsonNode rec = record().get("allocations");
        assertEquals(1, rec.size());
        assertEquals(picked, rec.get(0).get("device").asText());
        assertEquals("lc-a", rec.get(0).get("domain").asText());
        assertEquals("00:00:00:00:00:00", rec.get(0).get("previous").get("mac").asText());

        // a second domain gets another VF; a generated MAC has the 52:54:00 prefix
        JsonNode second = json("attach-interface", "lc-b", "--type", "hostdev", "--pf", "0000:01:00.0", "--config");
        String other = second.get("allocation").get("device").asText();
        assertNotEquals(picked, other);
        assertTrue(second.get("allocation").get("mac").asText().startsWith("52:54:00:"));
        assertEquals(second.get("allocation").get("mac").asText(), vf(other).mac());
        assertEquals(0, vf(other).vlan());
    }

    @Test
    void vfListShowsEverySettingAndTheHolderAndAdoptsVfsAttachedWithoutVirtwireAllocation() throws Exception {
        // attached by naming the VF (the old form): no record yet, so nothing is reconciled; vf list creates the record
        // and adopts it
        JsonNode named = json("attach-interface", "lc-c", "--type", "hostdev", "--vf", "0000:02:10.0", "--config");
        assertFalse(named.get("notes").toString().contains("reconciled"), named.toString());
        JsonNode list = json("vf", "list", "--pf", "enp1s0f0");
        assertEquals(4, list.get("vfs").size());
        JsonNode first = list.get("vfs").get(0);
        assertEquals("0000:02:10.0", first.get("address").asText());
        assertEquals("lc-c", first.get("domain").asText());
        assertEquals("held", first.get("state").asText());
        assertTrue(first.get("recorded").asBoolean());
        assertEquals(0, first.get("index").asInt());
        assertTrue(first.has("mac") && first.has("vlan") && first.has("trust") && first.has("spoofchk") && first.has("iommuGroup"));
        assertEquals("free", list.get("vfs").get(1).get("state").asText());
        assertTrue(list.get("reconciled").get(0).asText().contains("adopted"), list.toString());

        JsonNode all = json("vf", "list");
        assertEquals(8, all.get("vfs").size());
        // the adopted VF is never handed out again
        JsonNode next = json("attach-interface", "lc-d", "--type", "hostdev", "--pf", "enp1s0f0", "--config");
        assertNotEquals("0000:02:10.0", next.get("allocation").get("device").asText());

        // once the record exists, an attach naming a VF is adopted at once
        JsonNode adoptedNow = json("attach-interface", "lc-e", "--type", "hostdev", "--vf", "0000:02:11.0", "--config");
        assertTrue(adoptedNow.get("notes").toString().contains("hostdev 0000:02:11.0: adopted (held by 'lc-e'"), adoptedNow.toString());
        assertEquals("lc-e", JSON.readTree(Files.readString(state.resolve(StateStore.RECORD))).get("allocations").findValues("domain")
                .stream().map(JsonNode::asText).filter("lc-e"::equals).findFirst().orElse(null));

        String text = ok(cli().run("vf", "list")).out();
        assertTrue(text.contains("lc-c") && text.contains("0000:02:10.0") && text.contains("enp1s0f1"), text);
    }

    @Test
    void detachingAnAllocatedVfRestoresItsSettingsAtOnce() throws Exception {
        JsonNode change = json("attach-interface", "lc-a", "--type", "hostdev", "--pf", "enp1s0f0", "--vlan", "5", "--config");
        String dev = change.get("allocation").get("device").asText();
        assertEquals(5, vf(dev).vlan());
        JsonNode detached = json("detach-interface", "lc-a", "--mac", change.get("allocation").get("mac").asText(), "--config");
        assertTrue(detached.get("notes").toString().contains("VF settings restored"), detached.toString());
        assertEquals(0, vf(dev).vlan());
        assertEquals(VirtualFunction.ZERO_MAC, vf(dev).mac());
        assertEquals(0, record().get("allocations").size());
    }

    @Test
    void noFreeVfUnknownPfAndStoppedDomainForLiveChangeNothing() throws Exception {
        for (String d : List.of("lc-a", "lc-b", "lc-c", "lc-d")) {
            json("attach-interface", d, "--type", "hostdev", "--pf", "enp1s0f0", "--config");
        }
        Map<String, String> before = TreeSnapshot.of(host);
        String recordBefore = Files.readString(state.resolve(StateStore.RECORD));

        CliRunner.Result full = cli().run("attach-interface", "lc-e", "--type", "hostdev", "--pf", "enp1s0f0", "--config");
        assertEquals(ExitCode.CONFLICT, full.exitCode(), full.toString());
        assertTrue(full.err().contains("no free VF on PF enp1s0f0") && full.err().contains("held by 'lc-a'"), full.err());

        CliRunner.Result unknown = cli().run("attach-interface", "lc-e", "--type", "hostdev", "--pf", "eth9", "--config");
        assertEquals(ExitCode.NOT_FOUND, unknown.exitCode(), unknown.toString());
        assertTrue(unknown.err().contains("unknown PF 'eth9'") && unknown.err().contains("enp1s0f0"), unknown.err());

        CliRunner.Result live = cli().run("attach-interface", "lc-e", "--type", "hostdev", "--pf", "enp1s0f1", "--live");
        assertEquals(ExitCode.CONFLICT, live.exitCode(), live.toString());
        assertTrue(live.err().contains("is not running"), live.err());

        CliRunner.Result badTrust = cli().run("attach-interface", "lc-e", "--type", "hostdev", "--pf", "enp1s0f1", "--trust", "maybe");
        assertEquals(ExitCode.INVALID_INPUT, badTrust.exitCode());
        assertTrue(badTrust.err().contains("invalid --trust 'maybe': expected on or off"), badTrust.err());

        CliRunner.Result heldVf = cli().run("attach-interface", "lc-e", "--type", "hostdev", "--config",
                "--vf", record().get("allocations").get(0).get("device").asText());
        assertEquals(ExitCode.CONFLICT, heldVf.exitCode(), heldVf.toString());
        assertTrue(heldVf.err().contains("is held by domain 'lc-a'") && heldVf.err().contains("--pf DEV"), heldVf.err());

        CliRunner.Result unknownList = cli().run("vf", "list", "--pf", "eth9");
        assertEquals(ExitCode.NOT_FOUND, unknownList.exitCode(), unknownList.toString());
        assertTrue(unknownList.err().contains("unknown PF 'eth9'"), unknownList.err());

        CliRunner.Result macTaken = cli().run("attach-interface", "lc-e", "--type", "hostdev", "--pf", "enp1s0f1", "--config",
                "--mac", record().get("allocations").get(0).get("mac").asText());
        assertEquals(ExitCode.CONFLICT, macTaken.exitCode(), macTaken.toString());

        assertEquals(before, TreeSnapshot.of(host));
        assertEquals(recordBefore, Files.readString(state.resolve(StateStore.RECORD)));
        assertEquals(0, json("domiflist", "lc-e", "--inactive").get("interfaces").size());
    }

    @Test
    void libvirtRefusingTheAttachRestoresTheVfAndTheRecord() throws Exception {
        Wiring.Replacement refusing = s -> s.libvirt(uri -> ForwardingGateway.refusingDeviceChanges(libvirt.gateway()));
        CliRunner.Result socket = cli(refusing).run("attach-interface", "lc-a", "--type", "vhostuser", "--config");
        assertEquals(ExitCode.LIBVIRT_ERROR, socket.exitCode(), socket.toString());
        assertTrue(socket.err().contains("removed the forwarder port and released the socket in the record"), socket.err());
        assertEquals(List.of(), forwarder.ports());
        assertEquals(2, forwarder.calls.size(), forwarder.calls.toString());

        VirtualFunction before = vf("0000:02:10.0");
        CliRunner.Result r = cli(refusing).run("attach-interface", "lc-a", "--type", "hostdev", "--pf", "enp1s0f0", "--vlan", "7",
                "--trust", "on", "--config");
        assertEquals(ExitCode.LIBVIRT_ERROR, r.exitCode(), r.toString());
        assertTrue(r.err().contains("attaching VF 0000:02:10.0 to 'lc-a' failed") && r.err().contains("simulated refusal")
                && r.err().contains("rolled back: restored VF 0 of enp1s0f0"), r.err());
        assertEquals(before, vf("0000:02:10.0"));
        assertEquals(0, record().get("allocations").size());
    }

    @Test
    void aVfThatVanishesWhileBeingConfiguredIsRolledBack() throws Exception {
        // the PF refuses the VLAN after the MAC was set (as when the VF disappears under a PF reset)
        Wiring.Replacement vanishing = s -> s.hosts(root -> {
            SimulatedKernel k = new SimulatedKernel(root);
            Object actions = Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {io.virtwire.provisioner.host.profile.HostActions.class}, (p, m, a) -> {
                        if (m.getName().equals("setVfVlan") && (int) a[2] == 9) {
                            throw new HostActionException("ENODEV", "ip link set enp1s0f0 vf 0 vlan 9: No such device");
                        }
                        try {
                            return m.invoke(k, a);
                        } catch (java.lang.reflect.InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
            return new HostAccess(k.paths(), k, (io.virtwire.provisioner.host.profile.HostActions) actions);
        });
        VirtualFunction before = vf("0000:02:10.0");
        CliRunner.Result r = cli(vanishing).run("attach-interface", "lc-a", "--type", "hostdev", "--pf", "enp1s0f0", "--vlan", "9", "--config");
        assertEquals(ExitCode.HOST_ERROR, r.exitCode(), r.toString());
        assertTrue(r.err().contains("configuring VF 0 (0000:02:10.0) of enp1s0f0 failed") && r.err().contains("No such device")
                && r.err().contains("nothing was attached"), r.err());
        assertEquals(before.mac(), vf("0000:02:10.0").mac());
        assertEquals(0, record().get("allocations").size());
        assertEquals(0, json("domiflist", "lc-a", "--inactive").get("interfaces").size());
    }

    @Test
    void aCrashedAttachLeavesAPendingEntryThatTheNextCommandRollsBack() throws Exception {
        // what a kill -9 after the host change leaves: the VF configured, a pending entry, libvirt untouched
        new SimulatedKernel(host).setVfMac("enp1s0f0", 1, "52:54:00:aa:bb:cc");
        Files.createDirectories(state);
        Files.writeString(state.resolve(StateStore.RECORD), """
                {"version":1,"allocations":[{"kind":"hostdev","device":"0000:02:10.4","domain":"lc-a","state":"pending",
                 "pf":"0000:01:00.0","pfNetdev":"enp1s0f0","vfIndex":1,
                 "settings":{"mac":"52:54:00:aa:bb:cc","vlan":0,"trust":false,"spoofchk":true},
                 "previous":{"mac":"00:00:00:00:00:00","vlan":0,"trust":false,"spoofchk":true},"mac":"52:54:00:aa:bb:cc","pid":1}]}
                """);
        JsonNode list = json("vf", "list");
        assertTrue(list.get("reconciled").get(0).asText().contains("released from 'lc-a' (an interrupted attach"), list.toString());
        assertEquals("00:00:00:00:00:00", vf("0000:02:10.4").mac());
        assertEquals(0, record().get("allocations").size());
    }

    @Test
    void aPendingEntryWhoseAttachReachedLibvirtIsKept() throws Exception {
        ok(cli().run("attach-interface", "lc-a", "--type", "hostdev", "--vf", "0000:02:10.4", "--mac", "52:54:00:aa:bb:cc", "--config"));
        Files.createDirectories(state);
        Files.writeString(state.resolve(StateStore.RECORD), """
                {"version":1,"allocations":[{"kind":"hostdev","device":"0000:02:10.4","domain":"lc-a","state":"pending",
                 "pf":"0000:01:00.0","pfNetdev":"enp1s0f0","vfIndex":1,"mac":"52:54:00:aa:bb:cc","pid":1}]}
                """);
        json("vf", "list");
        JsonNode e = record().get("allocations").get(0);
        assertEquals("held", e.get("state").asText());
        assertEquals("lc-a", e.get("domain").asText());
    }

    @Test
    void aPoolHandsOutVfsOfItsPf() throws Exception {
        libvirt.gateway().defineNetwork(HostdevNetwork.ofPf("lc-pool", "enp1s0f1").toXml());
        try {
            JsonNode change = json("attach-interface", "lc-a", "--type", "hostdev", "--pool", "lc-pool", "--config");
            assertEquals("0000:01:00.1", change.get("allocation").get("pf").asText());
            assertEquals("hostdev", change.get("iface").get("type").asText());
            CliRunner.Result none = cli().run("attach-interface", "lc-a", "--type", "hostdev", "--pool", "no-such-pool", "--config");
            assertEquals(ExitCode.NOT_FOUND, none.exitCode(), none.toString());
        } finally {
            undefineNetwork("lc-pool");
        }
    }

    private void undefineNetwork(String name) {
        try {
            org.libvirt.Connect c = new org.libvirt.Connect("test:///default");
            c.networkLookupByName(name).undefine();
            c.close();
        } catch (org.libvirt.LibvirtException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void concurrentAttachesInOneProcessNeverShareAVf() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<CliRunner.Result>> results = new ArrayList<>();
            for (String d : DOMAINS) {
                results.add(pool.submit(() -> cli().run("--output", "json", "attach-interface", d, "--type", "hostdev", "--pf", "enp1s0f"
                        + (d.hashCode() % 2 == 0 ? "0" : "1"), "--config")));
            }
            Set<String> vfs = new HashSet<>();
            int okCount = 0;
            for (Future<CliRunner.Result> f : results) {
                CliRunner.Result r = f.get();
                if (r.exitCode() == 0) {
                    okCount++;
                    assertTrue(vfs.add(JSON.readTree(r.out()).get("allocation").get("device").asText()), "VF handed out twice: " + r);
                } else {
                    assertEquals(ExitCode.CONFLICT, r.exitCode(), r.toString());
                }
            }
            assertEquals(okCount, record().get("allocations").size());
            assertTrue(okCount >= 4, "at least one PF's VFs were all handed out: " + okCount);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void vhostUserWithoutSourceGetsASocketUnderTheRunDirAndAForwarderPort() throws Exception {
        JsonNode change = json("attach-interface", "lc-a", "--type", "vhostuser", "--config");
        String socket = change.get("allocation").get("device").asText();
        assertEquals(tmp.resolve("run").resolve("lc-a-0.sock").toString(), socket);
        assertEquals(socket, change.get("iface").get("source").asText());
        assertEquals(List.of("add " + socket), forwarder.calls);
        assertEquals(change.get("allocation").get("mac").asText(), forwarder.ports().getFirst().mac());
        assertTrue(change.get("notes").toString().contains("recording forwarder"), change.toString());
        assertTrue(Files.isDirectory(tmp.resolve("run")));
        // QEMU (another user) must reach the socket: group-owned by its group, else root's alone; always sticky (a QEMU
        // process must not unlink or replace another guest's socket) and never world-writable
        Path run = tmp.resolve("run");
        String group = Files.readAttributes(run, java.nio.file.attribute.PosixFileAttributes.class).group().getName();
        int mode = (Integer) Files.getAttribute(run, "unix:mode") & 07777;
        assertTrue(List.of("libvirt-qemu", "qemu", "kvm").contains(group) && mode == 01771 || mode == 01755,
                group + " " + Integer.toOctalString(mode));

        JsonNode second = json("attach-interface", "lc-a", "--type", "vhostuser", "--config");
        assertEquals(tmp.resolve("run").resolve("lc-a-1.sock").toString(), second.get("allocation").get("device").asText());

        // detaching it releases the socket and the forwarder port at once
        JsonNode detached = json("detach-interface", "lc-a", "--mac", change.get("allocation").get("mac").asText(), "--config");
        assertTrue(detached.get("notes").toString().contains("released from 'lc-a'"), detached.toString());
        assertTrue(forwarder.calls.contains("remove " + socket), forwarder.calls.toString());
        assertEquals(1, record().get("allocations").size());
    }

    /**
     * issue 14: --queues N reaches the forwarder port as well as {@code <driver queues='N'/>} (the port used to get 1,
     * and QEMU looped on "you are asking more queues than supported: 1"); bad counts and a socket whose forwarder
     * port has another count are refused before libvirt or the forwarder is asked.
     */
    @Test
    void vhostUserQueuesReachTheForwarderPortAndBadOrMismatchedCountsChangeNothing() throws Exception {
        JsonNode change = json("attach-interface", "lc-a", "--type", "vhostuser", "--queues", "2", "--config");
        String socket = change.get("allocation").get("device").asText();
        assertEquals(2, forwarder.port(socket).orElseThrow().queues(), "the forwarder port has the XML's queue pairs");
        assertEquals(2, json("domiflist", "lc-a", "--inactive").get("interfaces").get(0).get("queues").asInt());
        assertEquals(2, change.get("iface").get("queues").asInt(), change.toString());

        JsonNode before = record();
        String xmlBefore = libvirt.gateway().domainXml("lc-b", true);
        for (String bad : List.of("0", "-1", "129", "300", "two")) {
            CliRunner.Result r = cli().run("attach-interface", "lc-b", "--type", "vhostuser", "--queues", bad, "--config");
            assertEquals(ExitCode.INVALID_INPUT, r.exitCode(), bad + ": " + r);
            assertTrue(r.err().contains(bad.equals("129") ? "more than a virtwire forwarder port serves (128 queue pairs)"
                    : "invalid queue count"), bad + ": " + r.err());
        }
        // a socket whose forwarder port was added with 2 queue pairs, attached by path with another count
        String byHand = tmp.resolve("run").resolve("by-hand.sock").toString();
        forwarder.addPort(new ForwarderClient.Port(null, byHand, null, true, 2));
        for (List<String> asked : List.of(List.of("--queues", "4"), List.<String>of())) {
            List<String> args = new ArrayList<>(List.of("attach-interface", "lc-b", "--type", "vhostuser", "--source", byHand, "--config"));
            args.addAll(asked);
            CliRunner.Result r = cli().run(args.toArray(String[]::new));
            assertEquals(ExitCode.CONFLICT, r.exitCode(), r.toString());
            String wanted = asked.isEmpty() ? "1" : "4";
            assertTrue(r.err().contains("the forwarder port of " + byHand + " has 2 queue pairs but the interface asks for " + wanted)
                    && r.err().contains("Use --queues 2"), r.err());
        }
        assertEquals(xmlBefore, libvirt.gateway().domainXml("lc-b", true), "libvirt was not asked");
        assertEquals(before, record(), "the record is unchanged");
        assertEquals(List.of("add " + socket, "add " + byHand), forwarder.calls, "nothing else reached the forwarder");

        JsonNode matching = json("attach-interface", "lc-b", "--type", "vhostuser", "--source", byHand, "--queues", "2", "--config");
        assertEquals(2, matching.get("iface").get("queues").asInt(), matching.toString());
    }

    @Test
    void vdpaWithoutDevPicksAFreeVhostVdpaDevice() throws Exception {
        host = FixtureHosts.materialize("cx6dx-switchdev", tmp.resolve("cx6"));
        // vdpa1 sits on a VF of the second PF: asking for the second PF's devices skips vdpa0
        JsonNode a = json("attach-interface", "lc-a", "--type", "vdpa", "--parent", "0000:07:00.1", "--config");
        assertEquals("vdpa", a.get("allocation").get("kind").asText());
        assertEquals("/dev/vhost-vdpa-1", a.get("allocation").get("device").asText());
        assertEquals("/dev/vhost-vdpa-1", json("domiflist", "lc-a", "--inactive").get("interfaces").get(0).get("source").asText());
        JsonNode b = json("attach-interface", "lc-b", "--type", "vdpa", "--config");
        assertEquals("/dev/vhost-vdpa-0", b.get("allocation").get("device").asText());
        CliRunner.Result none = cli().run("attach-interface", "lc-c", "--type", "vdpa", "--config");
        assertEquals(ExitCode.CONFLICT, none.exitCode(), none.toString());
        assertTrue(none.err().contains("no free vhost-vdpa device"), none.err());
        CliRunner.Result badParent = cli().run("attach-interface", "lc-c", "--type", "vdpa", "--parent", "eth7", "--config");
        assertEquals(ExitCode.NOT_FOUND, badParent.exitCode(), badParent.toString());
    }

    @Test
    void theOldFormsStillNeedNoAllocationAndRefuseAllocationOnlyOptions() throws Exception {
        CliRunner.Result r = cli().run("attach-interface", "lc-a", "--type", "hostdev", "--vf", "0000:02:10.0", "--trust", "on", "--config");
        assertEquals(ExitCode.INVALID_INPUT, r.exitCode());
        assertTrue(r.err().contains("--trust and --spoofchk apply to --type hostdev with --pf or --pool"), r.err());
        CliRunner.Result none = cli().run("attach-interface", "lc-a", "--type", "hostdev", "--config");
        assertEquals(ExitCode.INVALID_INPUT, none.exitCode());
        assertTrue(none.err().contains("--vf PCI") && none.err().contains("--pf DEV"), none.err());
        CliRunner.Result trunk = cli().run("attach-interface", "lc-a", "--type", "hostdev", "--pf", "enp1s0f0", "--vlan", "1,2", "--config");
        assertEquals(ExitCode.INVALID_INPUT, trunk.exitCode());
        assertFalse(Files.exists(state.resolve(StateStore.RECORD)));
    }
}
