package io.virtwire.provisioner.host.sim;

import io.virtwire.provisioner.host.HostPaths;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Gives the VF netdevs of a fixture host real links: each becomes a real dummy interface ({@code ip link add NAME type
 * dummy}; on a kernel without the dummy module, one end of a veth pair whose peer NAMEp stays on the host) and the
 * fixture's sysfs names it instead, so what the CNI plugin does to a VF's netdev (the move into a
 * netns, the rename, the addresses) happens for real while the PF side (VF admin settings, drivers) stays simulated.
 * Needs CAP_NET_ADMIN. The caller removes the links ({@link #remove}); a link that went into a netns dies with it.
 */
public final class RealVfNetdevs {

    private RealVfNetdevs() {
    }

    /**
     * Maps every VF netdev of the fixture at {@code root} onto a new dummy {@code prefix + N} (at most 15 characters).
     *
     * @return fixture name to real link name, in PCI address order
     */
    public static Map<String, String> create(Path root, String prefix) {
        HostPaths paths = new HostPaths(root);
        Map<String, String> out = new LinkedHashMap<>();
        Path devices = paths.resolve("/sys/bus/pci/devices");
        int n = 0;
        for (String addr : paths.list(devices).stream().sorted().toList()) {
            Path dev = paths.real(devices.resolve(addr));
            if (!Files.exists(dev.resolve("physfn"), LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            for (String name : paths.list(dev.resolve("net"))) {
                String real = prefix + n++;
                if (real.length() > 15) {
                    throw new IllegalArgumentException("link name " + real + " is longer than 15 characters: use a shorter prefix");
                }
                add(real);
                try {
                    Files.move(dev.resolve("net").resolve(name), dev.resolve("net").resolve(real));
                    Path classLink = paths.resolve("/sys/class/net/" + name);
                    Path target = Files.readSymbolicLink(classLink);
                    Files.delete(classLink);
                    Files.createSymbolicLink(paths.resolve("/sys/class/net/" + real), target.resolveSibling(real));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                out.put(name, real);
            }
        }
        return out;
    }

    /**
     * Creates the real link {@code name}: a dummy, else (no dummy module, as in some CI VMs) a veth end with its peer
     * {@code name + "p"} in this netns. Also what a test calls for a physical netdev the kernel gives back to the host
     * when its netns dies (a dummy or veth dies with it instead).
     */
    public static void add(String name) {
        if (run(List.of("ip", "link", "add", name, "type", "dummy")) != 0) {
            if (name.length() > 14) {
                throw new IllegalArgumentException("link name " + name + " leaves no room for its veth peer's 'p'");
            }
            // a netns just deleted takes its veth end, and with it the peer, down asynchronously (the kernel's netns
            // cleanup work): until then the old peer's name is taken
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (run(List.of("ip", "link", "show", "dev", name + "p")) == 0 && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            ip("link", "add", name, "type", "veth", "peer", "name", name + "p");
        }
    }

    /** Deletes the links (and veth peers) that still exist in this netns. */
    public static void remove(Iterable<String> links) {
        for (String l : links) {
            for (String n : List.of(l, l + "p")) {
                if (run(List.of("ip", "link", "show", "dev", n)) == 0) {
                    run(List.of("ip", "link", "del", n));
                }
            }
        }
    }

    private static void ip(String... args) {
        List<String> argv = new ArrayList<>(List.of("ip"));
        argv.addAll(List.of(args));
        if (run(argv) != 0) {
            throw new IllegalStateException("'" + String.join(" ", argv) + "' failed (needs root / CAP_NET_ADMIN)");
        }
    }

    private static int run(List<String> argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return 124;
            }
            return p.exitValue();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
