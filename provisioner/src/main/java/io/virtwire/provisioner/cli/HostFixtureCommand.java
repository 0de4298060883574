package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.host.FixtureHosts;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Puts one of the fixture hosts bundled in the jar on disk, so that {@code --host-root DIR} can point host show,
 * doctor, plan and apply at it (the fixture's recorded command outputs make plan/apply run on a simulated kernel).
 */
@Command(name = "fixture", mixinStandardHelpOptions = true,
        description = "Write a bundled fixture host (a sysfs tree from the seeds) to DIR, for --host-root DIR; 'fixture list' names them.",
        subcommands = HostFixtureCommand.ListCommand.class)
public final class HostFixtureCommand implements Runnable {

    /** One line per bundled host: what situation it models (kept with FixtureHosts.NAMES). */
    static final Map<String, String> DESCRIPTIONS = descriptions();

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "a bundled host (see 'virtwire host fixture list')")
    String name;

    @Parameters(index = "1", arity = "0..1", paramLabel = "DIR", description = "where to write it: a new or empty directory")
    Path dir;

    @Spec
    CommandSpec spec;

    private final Output output;

    @Inject
    HostFixtureCommand(Output output) {
        this.output = output;
    }

    @Override
    public void run() {
        if (name == null || dir == null) {
            throw new ParameterException(spec.commandLine(), "usage: virtwire host fixture NAME DIR, or virtwire host fixture list");
        }
        if (!FixtureHosts.NAMES.contains(name)) {
            throw VirtwireException.notFound("no fixture host '" + name + "'; bundled hosts: " + String.join(", ", FixtureHosts.NAMES)
                    + " (virtwire host fixture list)");
        }
        Path root = dir.toAbsolutePath().normalize();
        refuseNonEmpty(root);
        FixtureHosts.materialize(name, root);
        Written written = new Written(name, root.toString(), DESCRIPTIONS.get(name));
        output.emit(written, out -> {
            out.println("Wrote fixture host " + name + " (" + written.description() + ") to " + root);
            out.println("Try: virtwire --host-root " + root + " host show | host doctor | host plan -f PROFILE");
        });
    }

    /** A fixture is written into a new or empty directory only: it must not mix with, or overwrite, files already there. */
    private static void refuseNonEmpty(Path root) {
        if (Files.exists(root) && !Files.isDirectory(root)) {
            throw VirtwireException.conflict(root + " exists and is not a directory: give a new or empty directory");
        }
        if (Files.isDirectory(root)) {
            try (Stream<Path> entries = Files.list(root)) {
                if (entries.findAny().isPresent()) {
                    throw VirtwireException.conflict(root + " is not empty: give a new or empty directory (nothing was written)");
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + root, e);
            }
        }
    }

    public record Written(String name, String root, String description) {
    }

    public record Fixture(String name, String description) {
    }

    public record Fixtures(List<Fixture> fixtures) {
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the bundled fixture hosts.")
    public static final class ListCommand implements Runnable {

        private final Output output;

        @Inject
        ListCommand(Output output) {
            this.output = output;
        }

        @Override
        public void run() {
            Fixtures all = new Fixtures(FixtureHosts.NAMES.stream().map(n -> new Fixture(n, DESCRIPTIONS.get(n))).toList());
            output.emit(all, out -> {
                TextTable t = new TextTable("Name", "Models");
                all.fixtures().forEach(f -> t.row(f.name(), f.description()));
                t.print(out);
            });
        }
    }

    private static Map<String, String> descriptions() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("i350-igb-8vfs", "Intel I350, 2 PFs x 4 VFs on igb/igbvf, VFs ready for guests (seeds 002/003 after the fixes)");
        d.put("82599-ixgbe-aer", "Intel 82599 PF with one VF assigned to a guest and non-zero AER counters (seed 004)");
        d.put("cx6dx-switchdev", "ConnectX-6 Dx in switchdev mode with representors, vdpa0/vdpa1 on vhost_vdpa (seed 001 finished)");
        d.put("cx6dx-legacy", "the same ConnectX-6 Dx in legacy eswitch mode, vhost_vdpa not loaded (seed 001 before step 6)");
        d.put("k68-uio-iommu", "Ubuntu 6.8 kernel, IOMMU on, I350 ports on uio_pci_generic (seed 000)");
        d.put("i350-no-bus", "I350 behind a root port with one bus number and no ACS (seeds 002/003 before the fix)");
        d.put("iommu-off", "IOMMU off, an 82599 whose VF BARs got no MMIO, the second port unbound");
        d.put("vmxnet3-vpp-guest", "VMware guest with Ubuntu's 6.8 kernel, vmxnet3 on uio_pci_generic for VPP (seed 000's SEGV)");
        if (!d.keySet().equals(new java.util.LinkedHashSet<>(FixtureHosts.NAMES))) {
            throw new IllegalStateException("fixture descriptions out of step with FixtureHosts.NAMES: " + d.keySet() + " vs " + FixtureHosts.NAMES);
        }
        return Map.copyOf(d);
    }
}
