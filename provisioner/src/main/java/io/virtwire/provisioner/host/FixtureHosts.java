package io.virtwire.provisioner.host;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;

/**
 * The fixture hosts bundled in the jar (modelled on the seeds) and their materialisation as real directory trees.
 * <p>
 * Why a manifest and not the tree itself: a host tree is full of symlinks (driver, iommu_group, physfn, virtfnN,
 * sys/bus/pci/devices/*), and neither Maven resource copying nor a jar preserves them. Each host is therefore
 * bundled as {@code hosts/<name>/tree.txt}, one entry per line, plus recorded command outputs under
 * {@code hosts/<name>/commands/}; {@link #materialize} rebuilds the exact tree, symlinks included, in a directory
 * that {@code --host-root} (or {@link HostPaths}) can then point at. Manifest lines:
 * <pre>
 * d PATH              directory
 * f PATH CONTENT      file; CONTENT uses \n, \t, \\ escapes (sysfs files end in \n)
 * x PATH HEX          binary file (PCI config space)
 * l PATH TARGET       symlink with a relative target, as sysfs has them
 * r PATH              copy of the resource hosts/NAME/PATH (recorded command output)
 * </pre>
 */
public final class FixtureHosts {

    /** All bundled hosts, one per situation the seeds describe. */
    public static final List<String> NAMES = List.of(
            "i350-igb-8vfs",        // seed 002/003 after the fixes: I350, 2 PFs x 4 VFs, VFs for guests
            "82599-ixgbe-aer",      // seed 004: 82599 PF with one VF assigned to a guest, non-zero AER counters
            "cx6dx-switchdev",      // seed 001 finished: ConnectX-6 Dx in switchdev, representors, vdpa0/vdpa1 on vhost_vdpa
            "cx6dx-legacy",         // seed 001 before step 6: same card, legacy eswitch, vhost_vdpa not loaded
            "k68-uio-iommu",        // seed 000: Ubuntu 6.8 kernel, IOMMU on, I350 ports on uio_pci_generic
            "i350-no-bus",          // seed 002/003 before the fix: root port with one bus number, no ACS
            "iommu-off",            // IOMMU off, 82599 whose VF BARs got no MMIO, second port unbound
            "vmxnet3-vpp-guest");   // seed 000's VMware guest: kernel 6.8, vmxnet3 on uio_pci_generic for VPP

    private FixtureHosts() {
    }

    /** Materialises a bundled host into a new temporary directory and returns it (the --host-root). */
    public static Path materialize(String name) {
        try {
            return materialize(name, Files.createTempDirectory("virtwire-host-" + name + "-"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Materialises a bundled host into {@code root} (created if missing) and returns root. */
    public static Path materialize(String name, Path root) {
        if (!NAMES.contains(name)) {
            throw io.virtwire.provisioner.VirtwireException.notFound("no fixture host '" + name + "'; bundled hosts: " + String.join(", ", NAMES));
        }
        String manifest = resource(name, "tree.txt");
        try {
            Files.createDirectories(root);
            for (String line : manifest.lines().toList()) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] w = line.split(" ", 3);
                Path p = root.resolve(w[1]);
                if (!p.normalize().startsWith(root.normalize())) {
                    throw new IllegalStateException("manifest path escapes the root: " + w[1]);
                }
                if (p.getParent() != null) {
                    Files.createDirectories(p.getParent());
                }
                switch (w[0]) {
                    case "d" -> Files.createDirectories(p);
                    case "f" -> Files.writeString(p, unescape(w.length > 2 ? w[2] : ""), StandardCharsets.UTF_8);
                    case "x" -> Files.write(p, HexFormat.of().parseHex(w.length > 2 ? w[2] : ""));
                    case "l" -> Files.createSymbolicLink(p, Path.of(w[2]));
                    case "r" -> Files.writeString(p, resource(name, w[1]), StandardCharsets.UTF_8);
                    default -> throw new IllegalStateException("bad manifest line in host " + name + ": " + line);
                }
            }
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot materialise fixture host " + name + " into " + root, e);
        }
    }

    private static String resource(String host, String path) {
        String name = "/hosts/" + host + "/" + path;
        try (InputStream in = FixtureHosts.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("fixture resource " + name + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t");
    }

    public static String unescape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                out.append(switch (n) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    default -> n;
                });
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
