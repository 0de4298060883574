package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.forwarder.RecordingForwarder;
import io.virtwire.provisioner.host.FixtureHosts;
import io.virtwire.provisioner.host.HostInventoryReader;
import io.virtwire.provisioner.host.VirtualFunction;
import io.virtwire.provisioner.host.sim.SimulatedKernel;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static io.virtwire.provisioner.cli.CliRunner.ok;

/**
 * The set-up the allocation command tests share, as a JUnit extension ({@code @RegisterExtension}): before each test,
 * libvirt's test driver without earlier tests' domains, the i350 fixture host unpacked in a temp directory, a state
 * directory, and {@code domains} defined from {@code template}; a CLI wired to all of it and to a recording forwarder.
 * After each test the domains are undefined and the directory removed.
 */
final class I350Domains implements BeforeEachCallback, AfterEachCallback {

    private final String template;
    private final List<String> domains;
    private Path dir;
    SharedTestConnection libvirt;
    Path host;
    Path state;

    private I350Domains(String template, List<String> domains) {
        this.template = template;
        this.domains = domains;
    }

    /** {@code domains}, each defined from {@code template} (a domain-templates name). */
    static I350Domains defined(String template, String... domains) {
        return new I350Domains(template, List.of(domains));
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        dir = Files.createTempDirectory("vw-i350-");
        libvirt = SharedTestConnection.withoutLeftovers();
        host = FixtureHosts.materialize("i350-igb-8vfs", dir.resolve("host"));
        state = dir.resolve("state");
        for (String name : domains) {
            ok(cli().run("define-domain", "--template", template, "--name", name, "--virt-type", "qemu", "--memory", "128MiB"));
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        libvirt.undefineAndClose(domains);
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** The CLI on this host, state and test:///default, with a recording forwarder; {@code extra} replaces more. */
    CliRunner cli(Wiring.Replacement... extra) {
        Wiring.Replacement base = Wiring.Replacement.all(libvirt.module(), CliRunner.forwarder(new RecordingForwarder()));
        return new CliRunner(Wiring.Replacement.all(base, Wiring.Replacement.all(extra))).fixtureEnv(host, state, dir.resolve("run"));
    }

    /** The fixture host's VF at {@code address}, as the host reads now. */
    VirtualFunction vf(String address) {
        SimulatedKernel k = new SimulatedKernel(host);
        return new HostInventoryReader(k.paths(), k).read().pfs().stream().flatMap(p -> p.vfs().stream())
                .filter(v -> v.address().equals(address)).findFirst().orElseThrow();
    }
}
