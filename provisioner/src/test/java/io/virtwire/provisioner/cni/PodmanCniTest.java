package io.virtwire.provisioner.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * virtwire-cni under a real runtime: Debian 12's podman 4.3 on its CNI backend runs a container on a conflist whose
 * plugin is virtwire-cni (on the CniFixture host: real links for the VF netdevs, host-local IPAM). podman calls ADD with
 * its own container id, netns and eth0, and DEL when the container is removed. Everything podman keeps (storage, run
 * state, network configs, containers.conf) is in the test's temp directories; the container is an exploded busybox root
 * (--rootfs), so no image is pulled. Runs as root; needs podman, runc and busybox-static (scripts/setup installs them).
 */
class PodmanCniTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private CniFixture f;
    private Path state; // podman's storage and run state: a short path (podman refuses a runroot over 50 characters)
    private final List<String> containers = new ArrayList<>();

    @BeforeEach
    void setUp() {
        for (String[] tool : List.of(new String[] {"/usr/bin/podman", "podman"}, new String[] {"/usr/sbin/runc", "runc"},
                new String[] {"/bin/busybox", "busybox-static"})) {
            if (!Files.isExecutable(Path.of(tool[0]))) {
                throw new IllegalStateException(tool[0] + " is missing: apt-get install " + tool[1] + " (scripts/setup does)");
            }
        }
        f = new CniFixture(tmp);
        try {
            state = Files.createTempDirectory(Path.of("/tmp"), "h9pod");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterEach
    void tearDown() {
        try {
            for (String c : containers) {
                podman("rm", "-f", c);
            }
        } finally {
            f.close();
            Exec.run(List.of("rm", "-rf", state.toString()), null, null);
        }
    }

    /**
     * podman with everything under tmp. The runtime options are this sandbox's: crun refuses its hybrid cgroup v1/v2
     * layout (runc with cgroupfs takes it), and it may not raise RLIMIT_NOFILE to podman's default.
     */
    private Exec.Result podman(String... args) {
        List<String> argv = new ArrayList<>(List.of("podman", "--root", state.resolve("s").toString(), "--runroot", state.resolve("r").toString(),
                "--network-config-dir", tmp.resolve("net.d").toString(), "--runtime", "runc", "--cgroup-manager", "cgroupfs"));
        argv.addAll(List.of(args));
        return Exec.run(List.of("env", "CONTAINERS_CONF=" + tmp.resolve("containers.conf"), "sh", "-c", shell(argv)), null, null);
    }

    private static String shell(List<String> argv) {
        return String.join(" ", argv.stream().map(a -> "'" + a.replace("'", "'\\''") + "'").toList()) + " 2>&1";
    }

    @Test
    void podmanOnItsCniBackendRunsAContainerWithAVfAndDelFreesItWhenTheContainerGoes() throws Exception {
        // the plugin directory: virtwire-cni (this build, as a runtime runs it) and Debian's host-local
        Path bin = Files.createDirectories(tmp.resolve("cni-bin"));
        Path plugin = bin.resolve("virtwire-cni");
        Files.writeString(plugin, "#!/bin/sh\nexec '" + Path.of(System.getProperty("java.home"), "bin", "java") + "' --enable-native-access=ALL-UNNAMED"
                + " -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp '" + System.getProperty("java.class.path") + "' " + CniMain.class.getName() + "\n");
        Files.setPosixFilePermissions(plugin, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(bin.resolve("host-local"), CniFixture.CNI_BIN.resolve("host-local"));
        Files.writeString(tmp.resolve("containers.conf"), "[network]\nnetwork_backend = \"cni\"\ncni_plugin_dirs = [\"" + bin + "\"]\n");

        String net = f.tag + "pod";
        ObjectNode list = JSON.createObjectNode();
        list.put("cniVersion", "1.0.0");
        list.put("name", net);
        ObjectNode p = f.config();
        p.remove("cniVersion");
        p.remove("name");
        p.put("vlan", 100);
        ObjectNode ipam = p.putObject("ipam");
        ipam.put("type", "host-local");
        ipam.putArray("ranges").addArray().addObject().put("subnet", "10.209.9.0/24").put("gateway", "10.209.9.1");
        ipam.putArray("routes").addObject().put("dst", "0.0.0.0/0");
        ipam.put("dataDir", tmp.resolve("ipam").toString());
        list.putArray("plugins").add(p);
        Files.createDirectories(tmp.resolve("net.d"));
        Files.writeString(tmp.resolve("net.d").resolve(net + ".conflist"), list.toPrettyString());

        Exec.Result ls = podman("network", "ls", "--format", "{{.Name}} {{.Driver}}");
        assertTrue(ls.stdout().contains(net + " virtwire-cni"), "podman lists the network: exit " + ls.exit() + ": " + ls.stdout() + ls.stderr());

        Path root = Files.createDirectories(tmp.resolve("rootfs"));
        for (String d : List.of("bin", "proc", "sys", "dev", "etc", "tmp")) {
            Files.createDirectories(root.resolve(d));
        }
        Files.copy(Path.of("/bin/busybox"), root.resolve("bin/busybox"));
        String name = f.tag + "ct";
        Exec.Result run = podman("run", "-d", "--name", name, "--network", net, "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
                "--rootfs", root.toString(), "/bin/busybox", "sleep", "300");
        assertEquals(0, run.exit(), "podman run: " + run.stdout());
        containers.add(name);
        String id = podman("inspect", "--format", "{{.Id}}", name).stdout().strip();

        // podman's ADD: the VF netdev is the container's eth0 with an address from host-local and the default route
        Exec.Result inside = podman("exec", name, "/bin/busybox", "sh", "-c", "/bin/busybox ip -o addr show eth0; /bin/busybox ip route");
        assertEquals(0, inside.exit(), inside.stdout());
        assertTrue(inside.stdout().contains("inet 10.209.9."), inside.stdout());
        assertTrue(inside.stdout().contains("default via 10.209.9.1 dev eth0"), inside.stdout());
        JsonNode entry = f.record().get("allocations").get(0);
        assertNotNull(entry, f.record().toString());
        assertEquals(id, entry.get("container").get("containerId").asText(), "the holder is podman's container id");
        assertEquals("eth0", entry.get("container").get("ifname").asText());
        assertEquals(net, entry.get("container").get("network").asText());
        String vf = entry.get("device").asText();
        String link = f.linkOf(vf);
        assertFalse(CniFixture.hostHas(link), link + " is in the container");
        assertEquals(100, f.vf(vf).vlan(), "vlan set through the PF");

        // podman's DEL on removal: the VF is free and back on the host, its settings restored
        Exec.Result rm = podman("rm", "-f", name);
        assertEquals(0, rm.exit(), rm.stdout());
        containers.remove(name);
        assertEquals(0, f.record().get("allocations").size(), f.record().toString());
        assertTrue(CniFixture.hostHas(link), link + " is back on the host");
        assertEquals(0, f.vf(vf).vlan());
    }
}
