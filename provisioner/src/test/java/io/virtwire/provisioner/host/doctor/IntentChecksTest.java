package io.virtwire.provisioner.host.doctor;

import static io.virtwire.provisioner.host.profile.Plans.inventory;
import static io.virtwire.provisioner.host.profile.Plans.plan;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtwire.provisioner.host.FixtureHosts;
import io.virtwire.provisioner.host.profile.Applier;
import io.virtwire.provisioner.host.sim.SimulatedKernel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Issue 17's checks: module-missing, reboot-pending, vmxnet3-uio-interrupts, and a doctor that knows --for dpdk. */
class IntentChecksTest {

    private static List<Finding> findings(SimulatedKernel k, Purpose purpose, String id) {
        return new Doctor().run("/", inventory(k), Optional.of(purpose)).findings().stream().filter(f -> f.id().equals(id)).toList();
    }

    private static void apply(SimulatedKernel k, String yaml) {
        var report = new Applier().apply(plan(k, yaml), k);
        assertFalse(report.failed(), report.toString());
    }

    private static void deleteTree(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Test
    void aPfOnVfioPciIsRightForDpdkAndWrongForVms() {
        SimulatedKernel k = new SimulatedKernel(FixtureHosts.materialize("k68-uio-iommu"));
        apply(k, "pfs:\n  - {pf: 0000:05:00.0, driver: vfio-pci}\n");
        List<Finding> dpdk = findings(k, Purpose.dpdk, "pf-on-userspace-driver");
        assertTrue(dpdk.stream().anyMatch(f -> f.subject().equals("0000:05:00.0") && f.status() == Status.ok
                && f.message().contains("DPDK/VPP owns the whole port")), dpdk.toString());
        assertTrue(dpdk.stream().noneMatch(f -> f.status() == Status.fail), "no false fail for dpdk: " + dpdk);
        List<Finding> vm = findings(k, Purpose.vm, "pf-on-userspace-driver");
        assertTrue(vm.stream().anyMatch(f -> f.subject().equals("0000:05:00.0") && f.status() == Status.fail), vm.toString());
        // reserved for DPDK in the profile: VMs are not meant to use it either
        apply(k, "pfs:\n  - {pf: 0000:05:00.0, reserve: dpdk}\n");
        assertTrue(findings(k, Purpose.vm, "pf-on-userspace-driver").stream().filter(f -> f.subject().equals("0000:05:00.0"))
                .allMatch(f -> f.status() == Status.ok && f.message().contains("reserved for dpdk")));
    }

    @Test
    void moduleMissingWhenTheBootDidNotLoadWhatTheProfileListsOrVdpaHasNoVhostVdpa() throws Exception {
        Path root = FixtureHosts.materialize("cx6dx-switchdev");
        SimulatedKernel k = new SimulatedKernel(root);
        apply(k, "kernel:\n  modules: [vhost_vdpa, vfio-pci]\n");
        assertTrue(findings(k, Purpose.vdpa, "module-missing").stream().allMatch(f -> f.status() == Status.ok));
        // the next boot: nothing loaded vhost_vdpa (a modules-load.d file another boot ignored, a kernel without it)
        deleteTree(root.resolve("sys/bus/vdpa/drivers/vhost_vdpa"));
        List<Finding> f = findings(k, Purpose.vdpa, "module-missing");
        assertEquals(2, f.stream().filter(x -> x.status() == Status.fail && x.subject().equals("vhost_vdpa")).count(), f.toString());
        assertTrue(f.stream().anyMatch(x -> x.message().contains("vdpa devices vdpa0, vdpa1 exist") && x.fix().startsWith("modprobe vhost_vdpa")), f.toString());
        assertTrue(f.stream().anyMatch(x -> x.message().contains("listed in /etc/modules-load.d/virtwire.conf")), f.toString());
        // the kernel lacks the module: the fix says so instead of modprobe
        Path dep = root.resolve("lib/modules/5.11.12-1.el8.elrepo.x86_64/modules.dep");
        Files.writeString(dep, Files.readString(dep).replace("kernel/drivers/vhost/vhost_vdpa.ko:\n", ""));
        assertTrue(findings(k, Purpose.vdpa, "module-missing").stream().filter(x -> x.status() == Status.fail)
                .allMatch(x -> x.fix().contains("has no vhost_vdpa")));
    }

    @Test
    void rebootPendingUntilTheKernelRunsWithTheNewCommandLine() throws Exception {
        Path root = FixtureHosts.materialize("k68-uio-iommu");
        SimulatedKernel k = new SimulatedKernel(root);
        assertTrue(findings(k, Purpose.vm, "reboot-pending").stream().allMatch(f -> f.status() == Status.ok));
        apply(k, "kernel:\n  cmdline: {add: [iommu=pt, pci=assign-busses]}\n");
        List<Finding> pending = findings(k, Purpose.vm, "reboot-pending");
        assertEquals(Status.warn, pending.getFirst().status(), pending.toString());
        assertTrue(pending.getFirst().message().contains("it adds iommu=pt pci=assign-busses"), pending.toString());
        Files.writeString(root.resolve("proc/cmdline"), "BOOT_IMAGE=/vmlinuz-6.8.0-40-generic root=/dev/mapper/ubuntu--vg-ubuntu--lv ro iommu=pt pci=assign-busses\n");
        assertEquals(Status.ok, findings(k, Purpose.dpdk, "reboot-pending").getFirst().status());
    }

    @Test
    void vmxnet3OnUioWithKernel68IsSeed000sCrash() throws Exception {
        Path root = FixtureHosts.materialize("vmxnet3-vpp-guest");
        SimulatedKernel k = new SimulatedKernel(root);
        List<Finding> f = findings(k, Purpose.dpdk, "vmxnet3-uio-interrupts");
        assertEquals(Status.fail, f.getFirst().status(), f.toString());
        assertEquals("0000:0b:00.0", f.getFirst().subject());
        assertTrue(f.getFirst().message().contains("SIGSEGV") && f.getFirst().fix().contains("e1000"), f.toString());
        assertTrue(findings(k, Purpose.vm, "vmxnet3-uio-interrupts").isEmpty(), "a dpdk check");
        Files.writeString(root.resolve("proc/sys/kernel/osrelease"), "6.5.0-45-generic\n");
        assertEquals(Status.ok, findings(k, Purpose.dpdk, "vmxnet3-uio-interrupts").getFirst().status());
    }
}
