package io.virtwire.provisioner.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.cli.CliRunner;
import io.virtwire.provisioner.host.FixtureHosts;
import io.virtwire.provisioner.host.HostInventoryReader;
import io.virtwire.provisioner.host.VirtualFunction;
import io.virtwire.provisioner.host.sim.SimulatedKernel;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import io.virtwire.provisioner.libvirt.LibvirtJavaGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The hook as libvirtd itself runs it: installed into /etc/libvirt/hooks/qemu.d, libvirtd SIGHUP'd to read it,
 * then virsh-style start/destroy of tiny TCG guests. The hook is removed again (and libvirtd SIGHUP'd) afterwards,
 * since the daemon is shared.
 */
class QemuHookIT {

    private static final String URI = "qemu:///system";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path HOOKS = Path.of("/etc/libvirt/hooks");

    private final String prefix = "vw-hook-" + ProcessHandle.current().pid() + "-";
    private final List<String> domains = new ArrayList<>();
    private Path base;
    private Path host;
    private Path state;
    private CliRunner cli;

    @BeforeEach
    void install() throws Exception {
        // under /tmp, world-readable: libvirtd runs the hook as root, but keep it reachable like a real install
        base = Files.createTempDirectory(Path.of("/tmp"), "vw-hook-");
        host = FixtureHosts.materialize("i350-igb-8vfs", base.resolve("host"));
        // the hook tells persistent from transient domains by libvirt's definitions under /etc/libvirt/qemu of the host
        // root: this fixture host's libvirt is the real one
        Files.createDirectories(host.resolve("etc/libvirt"));
        Files.createSymbolicLink(host.resolve("etc/libvirt/qemu"), Path.of("/etc/libvirt/qemu"));
        state = base.resolve("state");
        cli = new CliRunner().env("LIBVIRT_DEFAULT_URI", URI).env("VIRTWIRE_HOST_ROOT", host.toString()).env("VIRTWIRE_STATE_DIR", state.toString());
        Path launcher = Path.of(System.getProperty("virtwire.root", "..")).resolve("bin/virtwire").toAbsolutePath().normalize();
        CliRunner.Result r = cli.run("--output", "json", "hook", "install", "--hooks-dir", HOOKS.toString(), "--launcher", launcher.toString(), "--reload");
        assertEquals(0, r.exitCode(), r.toString());
        JsonNode installed = JSON.readTree(r.out());
        assertEquals(HOOKS.resolve("qemu.d/virtwire").toString(), installed.get("path").asText(), "libvirt 9.0 has qemu.d");
        assertTrue(installed.get("note").asText().contains("SIGHUP"), installed.toString());
    }

    @AfterEach
    void uninstall() {
        try (LibvirtGateway gw = LibvirtJavaGateway.open(URI)) {
            for (String d : domains) {
                if (gw.domainNames().contains(d)) {
                    if (gw.domain(d).active()) {
                        gw.destroy(d);
                    }
                    gw.undefine(d);
                }
            }
        } finally {
            CliRunner.Result r = cli.run("hook", "uninstall", "--hooks-dir", HOOKS.toString(), "--reload");
            assertEquals(0, r.exitCode(), r.toString());
            try (var files = Files.walk(base)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    private String define(LibvirtGateway gw, String suffix) {
        String name = prefix + suffix;
        gw.defineDomain("<domain type='qemu'><name>" + name + "</name><memory unit='MiB'>32</memory><vcpu>1</vcpu>"
                + "<os><type arch='x86_64'>hvm</type></os></domain>");
        domains.add(name);
        return name;
    }

    private String log() throws Exception {
        Path f = state.resolve("hook.log");
        return Files.exists(f) ? Files.readString(f) : "";
    }

    private static void waitFor(BooleanSupplier cond, Duration timeout, String what) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    private VirtualFunction vf(String address) {
        SimulatedKernel k = new SimulatedKernel(host);
        return new HostInventoryReader(k.paths(), k).read().pfs().stream().flatMap(p -> p.vfs().stream())
                .filter(v -> v.address().equals(address)).findFirst().orElseThrow();
    }

    @Test
    void libvirtdRunsTheHookOnStartAndDestroy() throws Exception {
        try (LibvirtGateway gw = LibvirtJavaGateway.open(URI)) {
            String plain = define(gw, "plain");
            gw.start(plain);
            gw.destroy(plain);
            // its prepare and release are answered by the script: no JVM, so no hook.log line (checked below, once the
            // log shows that libvirtd runs the hook)

            // a domain with an allocated VF whose settings the host lost: libvirtd's prepare hook puts them back before
            // QEMU starts (the start itself then fails here: no VFIO on these machines)
            String withVf = define(gw, "vf");
            CliRunner.Result a = cli.run("--output", "json", "attach-interface", withVf, "--type", "hostdev", "--pf", "enp1s0f0", "--vlan", "55",
                    "--config");
            assertEquals(0, a.exitCode(), a.toString());
            JsonNode alloc = JSON.readTree(a.out()).get("allocation");
            String dev = alloc.get("device").asText();
            SimulatedKernel k = new SimulatedKernel(host);
            k.setVfMac("enp1s0f0", alloc.get("vfIndex").asInt(), VirtualFunction.ZERO_MAC);
            k.setVfVlan("enp1s0f0", alloc.get("vfIndex").asInt(), 0, 0);
            try {
                gw.start(withVf);
                gw.destroy(withVf);
            } catch (VirtwireException expected) {
                // no VFIO here: libvirt refuses the passthrough after the hook ran
            }
            assertTrue(log().contains(withVf + " prepare: VF " + dev + ": re-applied"), log());
            assertEquals(alloc.get("mac").asText(), vf(dev).mac());
            assertEquals(55, vf(dev).vlan());
            // the failed start ran release: a persistent domain keeps its VF (its definition still holds it)
            waitFor(() -> {
                try {
                    return log().contains(withVf + " release: hostdev " + dev + ": kept");
                } catch (Exception e) {
                    return false;
                }
            }, Duration.ofSeconds(30), "the release hook keeping the VF, in " + state.resolve("hook.log"));
            assertEquals(alloc.get("mac").asText(), vf(dev).mac());
            assertFalse(log().contains(plain + " "), "no JVM for a domain without anything of virtwire's: " + log());
        }
    }
}
