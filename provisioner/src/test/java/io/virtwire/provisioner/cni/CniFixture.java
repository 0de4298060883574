package io.virtwire.provisioner.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.virtwire.provisioner.host.FixtureHosts;
import io.virtwire.provisioner.host.HostInventory;
import io.virtwire.provisioner.host.VirtualFunction;
import io.virtwire.provisioner.host.sim.RealVfNetdevs;
import io.virtwire.provisioner.host.sim.SimulatedKernel;
import io.virtwire.provisioner.host.HostInventoryReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A fixture host (i350-igb-8vfs: PF enp1s0f1 has four VFs with igbvf netdevs) whose VF netdevs are real dummy links,
 * real network namespaces, a state directory, and the plugin run as a runtime runs it: a process with CNI_* in its
 * environment and the config on stdin. Everything it creates is named h9...; {@link #close} removes it.
 */
public final class CniFixture implements AutoCloseable {

    static final Path CNI_BIN = Path.of("/usr/lib/cni");
    public static final String PF = "enp1s0f1";
    private static final ObjectMapper JSON = new ObjectMapper();

    public record Run(int exit, JsonNode out, String raw) {
    }

    public final Path tmp;
    public final Path host;
    public final Path state;
    public final String tag;
    public final Map<String, String> links; // fixture name -> real dummy
    private final List<String> namespaces = new ArrayList<>();

    public CniFixture(Path tmp) {
        if (!Files.isExecutable(CNI_BIN.resolve("host-local"))) {
            throw new IllegalStateException(CNI_BIN + "/host-local is missing: apt-get install containernetworking-plugins (scripts/setup does)");
        }
        this.tmp = tmp;
        this.tag = "h9" + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36), 36);
        this.host = FixtureHosts.materialize("i350-igb-8vfs", tmp.resolve("host"));
        this.state = tmp.resolve("state");
        this.links = RealVfNetdevs.create(host, tag + "v");
    }

    /** A new real netns; returns its path (/var/run/netns/NAME). */
    public String netns(String suffix) {
        String name = tag + "ns" + suffix;
        sh("ip", "netns", "add", name);
        namespaces.add(name);
        return "/var/run/netns/" + name;
    }

    public void deleteNetns(String path) {
        sh("ip", "netns", "del", Path.of(path).getFileName().toString());
    }

    /** The real dummy behind the fixture's VF with this PCI address. */
    public String linkOf(String vfAddress) {
        return inventory().pfs().stream().flatMap(p -> p.vfs().stream()).filter(v -> v.address().equals(vfAddress)).findFirst()
                .map(VirtualFunction::netdev).orElseThrow();
    }

    HostInventory inventory() {
        SimulatedKernel k = new SimulatedKernel(host);
        return new HostInventoryReader(k.paths(), k).read();
    }

    VirtualFunction vf(String address) {
        return inventory().pfs().stream().flatMap(p -> p.vfs().stream()).filter(v -> v.address().equals(address)).findFirst().orElseThrow();
    }

    public ObjectNode config() {
        ObjectNode c = JSON.createObjectNode();
        c.put("cniVersion", "1.0.0");
        c.put("name", tag + "net");
        c.put("type", "virtwire-cni");
        c.put("pf", PF);
        c.put("hostRoot", host.toString());
        c.put("stateDir", state.toString());
        return c;
    }

    ObjectNode withIpam(ObjectNode c) {
        ObjectNode ipam = c.putObject("ipam");
        ipam.put("type", "host-local");
        ipam.put("subnet", "10.209.9.0/24");
        ipam.put("gateway", "10.209.9.1");
        ipam.putArray("routes").addObject().put("dst", "0.0.0.0/0").put("gw", "10.209.9.1");
        ipam.put("dataDir", tmp.resolve("ipam").toString());
        return c;
    }

    public Run cni(String command, String containerId, String netns, String ifname, String config) {
        Map<String, String> env = new HashMap<>();
        env.put("CNI_COMMAND", command);
        if (containerId != null) {
            env.put("CNI_CONTAINERID", containerId);
        }
        if (netns != null) {
            env.put("CNI_NETNS", netns);
        }
        if (ifname != null) {
            env.put("CNI_IFNAME", ifname);
        }
        env.put("CNI_PATH", CNI_BIN.toString());
        return run(env, config);
    }

    static Run run(Map<String, String> env, String stdin) {
        try {
            Path in = Files.createTempFile("h9cni", ".json");
            Files.writeString(in, stdin);
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                    CniMain.class.getName());
            pb.environment().keySet().removeIf(k -> k.startsWith("CNI_") || k.startsWith("VIRTWIRE_"));
            pb.environment().putAll(env);
            pb.redirectInput(in.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT);
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("virtwire-cni did not finish");
            }
            Files.delete(in);
            String raw = new String(out, StandardCharsets.UTF_8).strip();
            return new Run(p.exitValue(), raw.isEmpty() ? null : JSON.readTree(raw), raw);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@code ip -j addr show dev IFNAME} inside netns, null when it has no such link. */
    JsonNode linkIn(String netns, String ifname) {
        return Netns.link(netns, ifname).orElse(null);
    }

    static boolean hostHas(String link) {
        return Netns.hostHas(link);
    }

    static String sh(String... argv) {
        Exec.Result r = Exec.run(List.of(argv), null, null);
        if (r.exit() != 0) {
            throw new IllegalStateException(String.join(" ", argv) + ": " + r.stderr());
        }
        return r.stdout();
    }

    public JsonNode record() throws IOException {
        Path f = state.resolve("allocations.json");
        return Files.exists(f) ? JSON.readTree(f.toFile()) : JSON.readTree("{\"allocations\":[]}");
    }

    @Override
    public void close() {
        for (String ns : namespaces) {
            Exec.run(List.of("ip", "netns", "del", ns), null, null);
        }
        RealVfNetdevs.remove(links.values());
    }
}
