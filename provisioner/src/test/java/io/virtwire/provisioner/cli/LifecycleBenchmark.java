package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.host.FixtureHosts;
import io.virtwire.provisioner.host.sim.SimulatedKernel;
import io.virtwire.provisioner.model.PciAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Not a test: the figures for docs/benchmarks.md ("NIC lifecycle"). Run from provisioner/ after a build:
 * <pre>
 *   java --enable-native-access=ALL-UNNAMED -cp target/test-classes:target/classes:'target/lib/*' \
 *        io.virtwire.provisioner.cli.LifecycleBenchmark
 * </pre>
 * 1. attach-interface --type hostdev --pf ... --config of 64 NICs to 64 domains on libvirt's test:///default and a
 *    simulated 82599 host (in one JVM, as the CLI runs each command: reconcile, pick, configure, attach, save).
 * 2. vf list on a 128-VF host (both 82599 ports at 64 VFs) with those 64 held.
 */
public final class LifecycleBenchmark {

    private LifecycleBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path tmp = Files.createTempDirectory("vw-bench-");
        Path host = FixtureHosts.materialize("82599-ixgbe-aer", tmp.resolve("host"));
        SimulatedKernel k = new SimulatedKernel(host);
        for (String pf : List.of("0000:04:00.0", "0000:04:00.1")) {
            // the 82599's SR-IOV capability offers 64 VFs; ixgbe reports 63 in sysfs, the benchmark host takes all 64
            Files.writeString(host.resolve("sys/bus/pci/devices/" + pf + "/sriov_totalvfs"), "64\n");
            k.setNumVfs(PciAddress.parse(pf), 0);
            k.setNumVfs(PciAddress.parse(pf), 64);
        }
        try (SharedTestConnection libvirt = new SharedTestConnection()) {
            CliRunner cli = new CliRunner(libvirt.module()).env("LIBVIRT_DEFAULT_URI", "test:///default").env("VIRTWIRE_HOST_ROOT", host.toString())
                    .env("VIRTWIRE_STATE_DIR", tmp.resolve("state").toString()).env("VIRTWIRE_RUN_DIR", tmp.resolve("run").toString());
            for (int i = 0; i < 64; i++) {
                check(cli.run("define-domain", "--template", "hostdev-q35", "--name", "bench-" + i, "--virt-type", "qemu", "--memory", "128MiB"));
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < 64; i++) {
                check(cli.run("attach-interface", "bench-" + i, "--type", "hostdev", "--pf", i % 2 == 0 ? "ens1f0" : "ens1f1", "--vlan",
                        String.valueOf(100 + i), "--config"));
            }
            double attachSeconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("attach 64 NICs to 64 domains (test:///default, simulated 82599, 128 VFs): %.2f s total, %.0f ms per attach%n",
                    attachSeconds, attachSeconds * 1000 / 64);

            List<Double> lists = new ArrayList<>();
            int vfs = 0;
            for (int i = 0; i < 11; i++) {
                long s = System.nanoTime();
                CliRunner.Result r = check(cli.run("--output", "json", "vf", "list"));
                lists.add((System.nanoTime() - s) / 1e6);
                vfs = r.out().split("\"address\"").length - 1;
            }
            lists.sort(Comparator.naturalOrder());
            System.out.printf("vf list (%d VFs, 64 held by 64 domains): first %.0f ms, median of the next 10 %.0f ms%n", vfs,
                    lists.getFirst(), lists.get(5));
            for (int i = 0; i < 64; i++) {
                libvirt.gateway().undefine("bench-" + i);
            }
        }
        System.out.println("host tree and state: " + tmp);
    }

    private static CliRunner.Result check(CliRunner.Result r) {
        if (r.exitCode() != 0) {
            throw new IllegalStateException(r.toString());
        }
        return r;
    }
}
