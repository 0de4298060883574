package io.virtwire.provisioner.cli;

import static io.virtwire.provisioner.cli.CliRunner.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.virtwire.provisioner.cni.CniFixture;
import io.virtwire.provisioner.forwarder.RecordingForwarder;
import io.virtwire.provisioner.libvirt.xml.DomainXml;
import io.virtwire.provisioner.libvirt.xml.PciHostdev;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * VMs and containers on one allocation record: {@code vf list} shows container holders, a VM attach never gets a
 * container's VF (nor reconciles it away: libvirt does not know containers), a netns that is gone frees its VF, and
 * CNI ADDs racing VM attaches on one PF give every VF to exactly one holder.
 */
class ContainerHoldersTest {

    private static final String VF0 = "0000:02:10.1";
    private static final List<String> PF_VFS = List.of(VF0, "0000:02:10.5", "0000:02:11.1", "0000:02:11.5");

    @TempDir
    Path tmp;

    private SharedTestConnection libvirt;
    private CniFixture f;
    private final List<String> domains = new ArrayList<>();

    @BeforeEach
    void setUp() {
        libvirt = SharedTestConnection.withoutLeftovers();
        f = new CniFixture(tmp);
    }

    @AfterEach
    void tearDown() {
        try {
            libvirt.undefineAndClose(domains);
        } finally {
            f.close();
        }
    }

    private CliRunner cli() {
        Wiring.Replacement base = Wiring.Replacement.all(libvirt.module(), CliRunner.forwarder(new RecordingForwarder()));
        return new CliRunner(base).fixtureEnv(f.host, f.state, tmp.resolve("run"));
    }

    /** The CLI with a libvirt connection of its own per invocation: for invocations on several threads at once. */
    private CliRunner perCallCli() {
        Wiring.Replacement base = Wiring.Replacement.all(libvirt.perInvocationModule(), CliRunner.forwarder(new RecordingForwarder()));
        return new CliRunner(base).fixtureEnv(f.host, f.state, tmp.resolve("run"));
    }

    private String domain(String name) {
        ok(cli().run("define-domain", "--template", "hostdev-q35", "--name", name, "--virt-type", "qemu", "--memory", "128MiB"));
        domains.add(name);
        return name;
    }

    private static JsonNode row(JsonNode list, String address) {
        for (JsonNode r : list.get("vfs")) {
            if (r.get("address").asText().equals(address)) {
                return r;
            }
        }
        throw new AssertionError(address + " not in " + list);
    }

    @Test
    void vfListShowsTheContainerHolderAVmGetsAnotherVfAndAGoneNetnsIsReconciled() throws Exception {
        String vm = domain("h9-ct-a");
        String ns = f.netns("l");
        CniFixture.Run add = f.cni("ADD", "h9l1", ns, "net1", f.config().toString());
        assertEquals(0, add.exit(), add.raw());
        assertEquals(VF0, add.out().get("interfaces").get(0).get("pciID").asText());

        JsonNode list = CliRunner.json(cli(), "vf", "list", "--pf", CniFixture.PF);
        JsonNode r = row(list, VF0);
        assertEquals("held", r.get("state").asText(), r.toString());
        assertEquals("h9l1", r.get("containerId").asText());
        assertEquals(ns, r.get("netns").asText());
        assertEquals("net1", r.get("ifname").asText());
        assertTrue(r.get("recorded").asBoolean());
        String text = ok(cli().run("vf", "list", "--pf", CniFixture.PF)).out();
        assertTrue(text.contains("container:h9l1 net1@" + ns), text);

        JsonNode change = CliRunner.json(cli(), "attach-hostdev", vm, "--pf", CniFixture.PF, "--config");
        String vmVf = change.get("allocation").get("device").asText();
        assertNotEquals(VF0, vmVf, "the VM gets a VF no container holds");
        JsonNode all = f.record().get("allocations");
        assertEquals(2, all.size(), "the VM's reconciliation kept the container holder: " + all);

        f.deleteNetns(ns);
        JsonNode after = CliRunner.json(cli(), "vf", "list", "--pf", CniFixture.PF);
        assertTrue(after.get("reconciled").toString().contains("its netns " + ns + " is gone"), after.toString());
        assertEquals("free", row(after, VF0).get("state").asText());
        assertEquals(1, f.record().get("allocations").size(), f.record().toString());
        assertEquals(vmVf, f.record().get("allocations").get(0).get("device").asText());
    }

    @Test
    void sixteenCniAddsRacingSixteenVmAttachesOnOnePfGiveEveryVfToExactlyOneHolder() throws Exception {
        List<String> vms = IntStream.range(0, 16).mapToObj(i -> domain("h9-race-" + i)).toList();
        String ns = f.netns("r");
        String config = f.config().toString();
        // 16 ADD processes and 16 attach-hostdev calls on 16 threads, each call on its own test:///default connection
        // (as 16 virtwire processes each open theirs; the driver state is this JVM's), all at once under the one record lock
        ExecutorService pool = Executors.newFixedThreadPool(32);
        java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch firstAdd = new java.util.concurrent.CountDownLatch(1);
        List<Future<String>> cnis = new ArrayList<>();
        List<Future<String>> attaches = new ArrayList<>();
        try {
            for (int i = 0; i < 16; i++) {
                int n = i;
                cnis.add(pool.submit(() -> {
                    start.await();
                    CniFixture.Run run = f.cni("ADD", "h9r" + n, ns, "r" + n, config);
                    if (run.exit() == 0) {
                        return run.out().get("interfaces").get(0).get("pciID").asText();
                    }
                    assertEquals(100, run.out().get("code").asInt(), "only 'no free VF' may fail an ADD: " + run.raw());
                    return null;
                }));
                attaches.add(pool.submit(() -> {
                    // an attach in this JVM takes milliseconds, an ADD process first starts a JVM (seconds on a loaded
                    // host): the attaches go once the first ADD has reached the record, when the other ADD JVMs started
                    // with it are up too, so both kinds meet at the lock, spread a little so they interleave
                    firstAdd.await();
                    Thread.sleep(40L * n);
                    CliRunner.Result res = perCallCli().run("--output", "json", "attach-hostdev", vms.get(n), "--pf", CniFixture.PF, "--config");
                    if (res.exitCode() == 0) {
                        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(res.out()).get("allocation").get("device").asText();
                    }
                    assertTrue(res.err().contains("no free VF"), "only 'no free VF' may fail an attach: " + res);
                    return null;
                }));
            }
            start.countDown();
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(120);
            while (!f.record().toString().contains("\"kind\":\"container\"") && System.nanoTime() < deadline
                    && !cnis.stream().allMatch(Future::isDone)) {
                Thread.sleep(20);
            }
            firstAdd.countDown();
            List<String> given = new ArrayList<>();
            int toContainers = 0;
            for (Future<String> c : cnis) {
                String d = c.get();
                if (d != null) {
                    given.add(d);
                    toContainers++;
                }
            }
            for (Future<String> a : attaches) {
                String d = a.get();
                if (d != null) {
                    given.add(d);
                }
            }
            System.out.println("h9 race: " + toContainers + " VFs to containers, " + (given.size() - toContainers) + " to VMs: " + given);
            assertEquals(4, given.size(), "each of the PF's 4 VFs went to someone, and only once: " + given);
            assertTrue(toContainers >= 1, "the attaches started once an ADD had reached the record: " + given);
            assertEquals(new HashSet<>(PF_VFS), new HashSet<>(given), "no VF went to two holders: " + given);
            // the record and libvirt agree: container entries for the ADDs, the VMs' <hostdev>s for the attaches
            JsonNode rec = f.record().get("allocations");
            assertEquals(4, rec.size(), rec.toString());
            Set<String> inLibvirt = new HashSet<>();
            for (String vm : vms) {
                for (PciHostdev h : DomainXml.parse(libvirt.gateway().domainXml(vm, true)).hostdevs()) {
                    assertFalse(inLibvirt.contains(h.source().toString()), h.source() + " in two domains");
                    inLibvirt.add(h.source().toString());
                }
            }
            assertEquals(4 - toContainers, inLibvirt.size(), "VM holders in libvirt: " + inLibvirt + ", given " + given);
        } finally {
            pool.shutdownNow();
        }
    }
}
