package io.virtwire.provisioner.host.profile;

import static io.virtwire.provisioner.host.profile.Plans.plan;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.host.FixtureHosts;
import io.virtwire.provisioner.host.TreeSnapshot;
import io.virtwire.provisioner.host.sim.SimulatedKernel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The kernel section: command line through the distribution's mechanism, modules now and at boot, module options. */
class KernelPlanTest {

    private static final String SEED_000_FIX = """
            kernel:
              cmdline: {add: [intel_iommu=on, iommu=pt], remove: [intel_iommu=off]}
              modules: [vfio-pci]
              moduleOptions: {vfio_iommu_type1: "allow_unsafe_interrupts=1"}
            """;

    private static String read(Path root, String hostPath) throws Exception {
        return Files.readString(root.resolve(hostPath.substring(1)));
    }

    /** The first boot loader entry of a BLS host (RHEL family): grubby edits these. */
    private static Path blsEntry(Path root) throws Exception {
        try (Stream<Path> entries = Files.list(root.resolve("boot/loader/entries"))) {
            return entries.findFirst().orElseThrow();
        }
    }

    /** The entry's {@code options ...} line: the kernel's arguments there. */
    private static String optionsLine(Path entry) throws Exception {
        return Files.readAllLines(entry).stream().filter(l -> l.startsWith("options ")).findFirst().orElseThrow();
    }

    /** A reboot as far as the command line goes: the kernel now runs with what the boot loader passes. */
    private static void reboot(Path root, String nextBoot) throws Exception {
        Files.writeString(root.resolve("proc/cmdline"), "BOOT_IMAGE=/vmlinuz-6.8.0-40-generic " + nextBoot + "\n");
    }

    @Test
    void debianFamilyGetsAGrubDropInAndUpdateGrubModulesNowAndAtBoot() throws Exception {
        Path root = FixtureHosts.materialize("k68-uio-iommu");
        SimulatedKernel k = new SimulatedKernel(root);
        Plan p = plan(k, SEED_000_FIX);
        assertEquals(List.of(
                "write /etc/modprobe.d/virtwire.conf: options vfio_iommu_type1 allow_unsafe_interrupts=1",
                "modprobe vfio-pci",
                "write /etc/modules-load.d/virtwire.conf: vfio-pci",
                "write /etc/default/grub.d/virtwire.cfg (adds intel_iommu=on iommu=pt, removes intel_iommu=off) && update-grub"), p.commands());
        assertTrue(p.boot().rebootRequired());
        assertEquals("BOOT_IMAGE=/vmlinuz-6.8.0-40-generic root=/dev/mapper/ubuntu--vg-ubuntu--lv ro", p.boot().current());
        assertEquals("root=/dev/mapper/ubuntu--vg-ubuntu--lv ro intel_iommu=on iommu=pt", p.boot().nextBoot());

        ApplyReport r = new Applier().apply(p, k);
        assertFalse(r.failed(), r.toString());
        assertTrue(r.rebootRequired());
        assertEquals(List.of("write /etc/modprobe.d/virtwire.conf", "modprobe vfio-pci", "write /etc/modules-load.d/virtwire.conf",
                "write /etc/default/grub.d/virtwire.cfg", "update-grub"), k.executed());
        // update-grub ran the drop-in through sh the way grub-mkconfig does
        assertTrue(read(root, "/boot/grub/grub.cfg").contains("\tlinux\t/vmlinuz-6.8.0-40-generic root=/dev/mapper/ubuntu--vg-ubuntu--lv ro intel_iommu=on iommu=pt\n"),
                read(root, "/boot/grub/grub.cfg"));
        assertTrue(read(root, "/etc/modules-load.d/virtwire.conf").endsWith("\nvfio-pci\n"));
        assertEquals("Y", read(root, "/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts").strip(), "options written before modprobe");
        assertTrue(Files.isDirectory(root.resolve("sys/bus/pci/drivers/vfio-pci")));

        Plan again = plan(k, SEED_000_FIX);
        assertEquals(List.of(), again.commands(), "converged");
        assertTrue(again.boot().rebootRequired(), "until the next boot /proc/cmdline lacks them");
        assertEquals(List.of("kernel parameter intel_iommu=on is not in /proc/cmdline", "kernel parameter iommu=pt is not in /proc/cmdline"),
                again.boot().reasons());
        reboot(root, again.boot().nextBoot());
        assertFalse(plan(k, SEED_000_FIX).boot().rebootRequired());
    }

    @Test
    void theDropInTakesAwayWhatEtcDefaultGrubSets() throws Exception {
        // seed 000's workaround: GRUB_CMDLINE_LINUX_DEFAULT="intel_iommu=off" in /etc/default/grub
        Path root = FixtureHosts.materialize("iommu-off");
        SimulatedKernel k = new SimulatedKernel(root);
        String yaml = "kernel:\n  cmdline: {add: [intel_iommu=on], remove: [intel_iommu=off]}\n";
        Plan p = plan(k, yaml);
        assertEquals("root=/dev/sda2 ro intel_iommu=on", p.boot().nextBoot());
        assertFalse(new Applier().apply(p, k).failed());
        String grub = read(root, "/boot/grub/grub.cfg");
        assertTrue(grub.contains("root=/dev/sda2 ro intel_iommu=on\n") && !grub.contains("intel_iommu=off"), grub);
        assertEquals(List.of(), plan(k, yaml).commands());
        // the drop-in leaves grub-mkconfig's shell as it found it: no function, no variables of its own
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", ". ./etc/default/grub; . ./etc/default/grub.d/virtwire.cfg; "
                + "command -v virtwire_drop; set | grep '^virtwire_'; echo \"$GRUB_CMDLINE_LINUX|$GRUB_CMDLINE_LINUX_DEFAULT\"").directory(root.toFile());
        Process sh = pb.redirectErrorStream(true).start();
        assertEquals("intel_iommu=on|\n", new String(sh.getInputStream().readAllBytes()));
    }

    @Test
    void rhelFamilyUsesGrubbyOnEveryKernelAndUndoTakesItBack() throws Exception {
        Path root = FixtureHosts.materialize("cx6dx-legacy");
        SimulatedKernel k = new SimulatedKernel(root);
        String yaml = "kernel:\n  cmdline: {add: [intel_iommu=on, pci=assign-busses], remove: [rhgb]}\n";
        Plan p = plan(k, yaml);
        assertEquals(List.of("grubby --update-kernel=ALL --args=\"pci=assign-busses\" --remove-args=\"rhgb\""), p.commands());
        assertFalse(new Applier().apply(p, k).failed());
        Path entry = blsEntry(root);
        String options = optionsLine(entry);
        assertTrue(options.endsWith(" pci=realloc pci=assign-busses") && !options.contains("rhgb"), options);
        assertEquals(List.of(), plan(k, yaml).commands());
        p.steps().getFirst().undo().apply(k);
        String undone = optionsLine(entry);
        assertTrue(undone.contains(" rhgb") && !undone.contains("pci=assign-busses") && undone.contains("intel_iommu=on"), "the undo takes back what it did: " + undone);
    }

    @Test
    void aHostWhoseBootLoaderVirtwireDoesNotKnowIsRefused() {
        Path root = FixtureHosts.materialize("i350-no-bus");
        Map<String, String> before = TreeSnapshot.of(root);
        VirtwireException e = assertThrows(VirtwireException.class, () -> plan(new SimulatedKernel(root), "kernel:\n  cmdline: {add: [pci=assign-busses]}\n"));
        assertTrue(e.getMessage().contains("cannot set kernel parameters on this host") && e.getMessage().contains("ID=arch"), e.getMessage());
        assertEquals(before, TreeSnapshot.of(root));
    }

    @Test
    void badKernelInputIsRefusedAndNamesTheProblem() {
        Path root = FixtureHosts.materialize("k68-uio-iommu");
        SimulatedKernel k = new SimulatedKernel(root);
        Map<String, String> before = TreeSnapshot.of(root);
        Map<String, String> cases = Map.of(
                "kernel:\n  cmdline: {add: [\"intel_iommu = on\"]}\n", "kernel.cmdline.add[0] 'intel_iommu = on' is not a kernel parameter",
                "kernel:\n  cmdline: {add: [\"quiet;reboot\"]}\n", "kernel.cmdline.add[0] 'quiet;reboot' is not a kernel parameter",
                "kernel:\n  cmdline: {add: [iommu=pt], remove: [iommu=pt]}\n", "'iommu=pt' is in add and 'iommu=pt' in remove",
                "kernel:\n  cmdline: {add: [intel_iommu=on], remove: [intel_iommu]}\n", "'intel_iommu=on' is in add and 'intel_iommu' in remove",
                "kernel:\n  modules: [vfio-pcii]\n", "kernel.modules[0]: unknown module 'vfio-pcii'",
                "kernel:\n  moduleOptions: {vfio_iommu_type1: \"allow_unsafe_interrupts = 1\"}\n", "must be name=value pairs");
        cases.forEach((yaml, message) -> {
            VirtwireException e = assertThrows(VirtwireException.class, () -> plan(k, yaml), yaml);
            assertEquals(VirtwireException.Kind.INVALID_INPUT, e.kind(), yaml);
            assertTrue(e.getMessage().contains(message) && e.getMessage().contains("nothing was changed"), e.getMessage());
        });
        assertEquals(before, TreeSnapshot.of(root));
    }

    @Test
    void modprobeOfAModuleTheKernelLacksFailsLikeModprobe() {
        SimulatedKernel k = new SimulatedKernel(FixtureHosts.materialize("iommu-off"));
        HostActionException e = assertThrows(HostActionException.class, () -> k.loadModule("vhost_vdpa"));
        assertEquals("modprobe vhost_vdpa: modprobe: FATAL: Module vhost_vdpa not found in directory /lib/modules/5.4.0-150-generic", e.getMessage());
    }

    @Test
    void vdpaDevicesOnAKernelWithoutVhostVdpaAreRefusedNotLeftUnusable() throws Exception {
        Path root = FixtureHosts.materialize("cx6dx-switchdev");
        // vhost_vdpa neither loaded nor in this kernel's modules
        Files.walk(root.resolve("sys/bus/vdpa/drivers/vhost_vdpa")).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        Path dep = root.resolve("lib/modules/5.11.12-1.el8.elrepo.x86_64/modules.dep");
        Files.writeString(dep, Files.readString(dep).replace("kernel/drivers/vhost/vhost_vdpa.ko:\n", ""));
        SimulatedKernel k = new SimulatedKernel(root);
        Map<String, String> before = TreeSnapshot.of(root);
        VirtwireException e = assertThrows(VirtwireException.class, () -> plan(k, "vdpa:\n  - {name: vdpa2, mgmtdev: pci/0000:07:00.2}\n"));
        assertTrue(e.getMessage().contains("needs module vhost_vdpa, which kernel 5.11.12-1.el8.elrepo.x86_64 does not have")
                && e.getMessage().contains("/dev/vhost-vdpa-N"), e.getMessage());
        assertEquals(before, TreeSnapshot.of(root));
    }

    @Test
    void rhel8KerneloptsInGrubenvAreTheNextBootsArguments() throws Exception {
        // RHEL 8 BLS entries often hold "options $kernelopts $tuned_params"; the words live in /boot/grub2/grubenv
        Path root = FixtureHosts.materialize("cx6dx-legacy");
        Path entry = blsEntry(root);
        String options = optionsLine(entry);
        Files.writeString(entry, Files.readString(entry).replace(options, "options $kernelopts $tuned_params"));
        Files.createDirectories(root.resolve("boot/grub2"));
        Files.writeString(root.resolve("boot/grub2/grubenv"), "# GRUB Environment Block\nkernelopts=" + options.substring(8) + "\n");
        Plan p = plan(new SimulatedKernel(root), "kernel:\n  cmdline: {add: [intel_iommu=on, iommu=pt]}\n");
        assertEquals(List.of(), p.commands(), "already in kernelopts: nothing to do");
        assertEquals(options.substring(8), p.boot().nextBoot());
    }
}
