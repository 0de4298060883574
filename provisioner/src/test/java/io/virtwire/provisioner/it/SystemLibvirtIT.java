package io.virtwire.provisioner.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtwire.provisioner.cli.CliRunner;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import io.virtwire.provisioner.libvirt.LibvirtJavaGateway;
import io.virtwire.templates.VirtXmlValidator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Against a real libvirtd (qemu:///system, started by scripts/test) and a real QEMU booting the tiny guest
 * under TCG: define from a template, --config attach of every NIC kind, then start the guest and attach and
 * detach a vhost-user NIC live, with DPDK testpmd's vhost PMD as the backend on the socket.
 */
class SystemLibvirtIT {

    private static final String URI = "qemu:///system";
    private static final Duration BOOT = Duration.ofSeconds(120);

    private final ObjectMapper json = new ObjectMapper();
    private final String name = "vw-it-" + ProcessHandle.current().pid();
    private final CliRunner cli = new CliRunner().env("LIBVIRT_DEFAULT_URI", URI);
    private Path run;
    private Process testpmd;

    @BeforeEach
    void prepare() throws IOException {
        // under /tmp, not the checkout: QEMU runs as libvirt-qemu and cannot traverse e.g. /root
        run = Files.createTempDirectory(Path.of("/tmp"), "vw-it-");
        // libvirt runs QEMU as its own user: it must reach the socket and write the serial log in here
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxrwxrwx"));
    }

    @AfterEach
    void cleanUp() throws Exception {
        try (LibvirtGateway gw = LibvirtJavaGateway.open(URI)) {
            if (gw.domainNames().contains(name)) {
                if (gw.domain(name).active()) {
                    gw.destroy(name);
                }
                gw.undefine(name);
            }
        } finally {
            if (testpmd != null) {
                testpmd.destroyForcibly().waitFor();
            }
        }
    }

    private static Path guestDir() {
        Path dir = Path.of(System.getProperty("virtwire.root", "..")).resolve("build/guest");
        if (!Files.isRegularFile(dir.resolve("vmlinuz")) || !Files.isRegularFile(dir.resolve("initramfs.cpio.gz"))) {
            fail("the test guest is missing in " + dir.toAbsolutePath() + ": run ./scripts/setup (or scripts/build-guest)");
        }
        return dir.toAbsolutePath().normalize();
    }

    private JsonNode cliJson(String... args) throws IOException {
        String[] all = new String[args.length + 2];
        all[0] = "--output";
        all[1] = "json";
        System.arraycopy(args, 0, all, 2, args.length);
        CliRunner.Result r = cli.run(all);
        assertEquals(0, r.exitCode(), String.join(" ", args) + "\n" + r);
        return json.readTree(r.out());
    }

    @Test
    void definesAttachesEveryKindAndHotplugsVhostUserIntoARunningGuest() throws Exception {
        Path guest = guestDir();
        Path serial = run.resolve("serial.log");
        cliJson("define-domain", "--template", "vhostuser-memfd", "--name", name, "--memory", "256MiB", "--vcpus", "1",
                "--kernel", guest.resolve("vmlinuz").toString(), "--initrd", guest.resolve("initramfs.cpio.gz").toString(),
                // pci=nomsi: QEMU 7.2 under TCG crashes when a vhost-user virtio-net device uses MSI-X
                "--cmdline", "console=ttyS0 panic=-1 pci=nomsi no_timer_check", "--serial-log", serial.toString());

        // --config attach of every kind: libvirt validates and stores them (no VFIO/vDPA here, so no start with them)
        cliJson("attach-interface", name, "--type", "hostdev", "--vf", "0000:07:10.1", "--vlan", "10", "--config");
        cliJson("attach-interface", name, "--type", "vdpa", "--dev", "/dev/vhost-vdpa-0", "--queues", "2", "--config");
        cliJson("attach-interface", name, "--type", "vhostuser", "--source", run.resolve("cfg.sock").toString(),
                "--mac", "52:54:00:00:00:30", "--config");
        JsonNode listed = cliJson("domiflist", name, "--inactive");
        assertEquals(3, listed.get("interfaces").size(), listed.toString());
        try (LibvirtGateway gw = LibvirtJavaGateway.open(URI)) {
            String stored = gw.domainXml(name, true);
            VirtXmlValidator.Result valid = new VirtXmlValidator().validate(stored, "domain");
            assertTrue(valid.valid(), valid.output() + "\n" + stored);
            for (JsonNode i : listed.get("interfaces")) {
                cliJson("detach-interface", name, "--mac", i.get("mac").asText(), "--config");
            }
            assertEquals(0, cliJson("domiflist", name).get("interfaces").size());

            gw.start(name);
            waitFor(() -> contains(serial, "VIRTWIRE-GUEST-READY") || contains(serial, "VIRTWIRE-GUEST-NONET"), BOOT,
                    "guest boot marker in " + serial);

            Path sock = run.resolve("net0.sock");
            testpmd = startVhostBackend(sock);
            JsonNode attached = cliJson("attach-interface", name, "--type", "vhostuser", "--source", sock.toString(),
                    "--mac", "52:54:00:00:00:31", "--live");
            assertTrue(attached.get("changed").asBoolean());
            assertEquals("live", attached.get("scope").asText());
            JsonNode live = cliJson("domiflist", name);
            assertEquals("live", live.get("source").asText());
            assertEquals(1, live.get("interfaces").size(), live.toString());
            JsonNode nic = live.get("interfaces").get(0);
            assertEquals("vhostuser", nic.get("type").asText());
            assertEquals(sock.toString(), nic.get("source").asText());
            assertFalse(nic.get("alias").isNull(), "libvirt names the live device: " + nic);
            assertFalse(gw.domainXml(name, true).contains("net0.sock"), "a --live attach leaves the persistent definition alone");

            cliJson("detach-interface", name, "--mac", "52:54:00:00:00:31", "--live");
            waitFor(() -> !gw.domainXml(name, false).contains("net0.sock"), Duration.ofSeconds(60),
                    "the guest to release the hot-unplugged NIC");
        }
    }

    /** DPDK testpmd with its vhost PMD listening on {@code sock}: a real vhost-user backend for QEMU to connect to. */
    private Process startVhostBackend(Path sock) throws Exception {
        Path testpmdBin = Path.of("/usr/bin/dpdk-testpmd");
        if (!Files.isExecutable(testpmdBin)) {
            fail("dpdk-testpmd is missing: apt-get install dpdk-dev (./scripts/setup installs it)");
        }
        Process p = new ProcessBuilder(testpmdBin.toString(), "-l", "0-1", "--no-pci", "--no-huge", "-m", "512",
                "--file-prefix", "vwit" + ProcessHandle.current().pid(),
                "--vdev", "net_vhost0,iface=" + sock + ",client=0", "--", "--forward-mode=rxonly", "--nb-cores=1", "--total-num-mbufs=4096")
                .redirectErrorStream(true).redirectOutput(run.resolve("testpmd.log").toFile()).start();
        // stdin stays open (we hold the pipe): testpmd exits at EOF on stdin
        waitFor(() -> Files.exists(sock) || !p.isAlive(), Duration.ofSeconds(30), "testpmd to create " + sock);
        if (!p.isAlive()) {
            fail("dpdk-testpmd exited: " + Files.readString(run.resolve("testpmd.log")));
        }
        Files.setPosixFilePermissions(sock, PosixFilePermissions.fromString("rw-rw-rw-"));
        return p;
    }

    private static boolean contains(Path file, String marker) {
        try {
            return Files.exists(file) && Files.readString(file).contains(marker);
        } catch (IOException e) {
            return false;
        }
    }

    private static void waitFor(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            Thread.sleep(250);
        }
    }
}
