package io.virtwire.provisioner.host.doctor;

import io.virtwire.provisioner.host.HostInventory;
import io.virtwire.provisioner.host.KernelState;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The boot loader's config (written by host apply, or by hand) has kernel parameters the running kernel did not boot
 * with: intel_iommu=on, iommu=pt, pci=assign-busses and friends do nothing until the host reboots.
 */
final class RebootPendingCheck extends BaseCheck {

    static final String ID = "reboot-pending";

    RebootPendingCheck() {
        super(ID, Purpose.hostdev, Purpose.vdpa, Purpose.vhostuser, Purpose.dpdk);
    }

    @Override
    public List<Finding> run(DoctorContext ctx) {
        HostInventory inv = ctx.inventory();
        KernelState k = inv.kernel();
        if (k.nextBootCmdline() == null) {
            return List.of();
        }
        Set<String> now = words(inv.kernelCmdline());
        Set<String> next = words(List.of(k.nextBootCmdline().split("\\s+")));
        Set<String> added = new LinkedHashSet<>(next);
        added.removeAll(now);
        Set<String> removed = new LinkedHashSet<>(now);
        removed.removeAll(next);
        String config = KernelState.GRUBBY.equals(k.bootLoader()) ? "/boot/loader/entries (grubby)" : "/boot/grub/grub.cfg";
        List<Evidence> evidence = List.of(new Evidence("/proc/cmdline", String.join(" ", inv.kernelCmdline())), new Evidence(config, k.nextBootCmdline()));
        if (added.isEmpty() && removed.isEmpty()) {
            return List.of(Finding.ok(ID, "host", "the running kernel has the command line the boot loader is configured with", evidence));
        }
        return List.of(Finding.problem(ID, Status.warn, "host",
                "the next boot's command line differs from /proc/cmdline" + (added.isEmpty() ? "" : ": it adds " + String.join(" ", added))
                        + (removed.isEmpty() ? "" : (added.isEmpty() ? ": " : "; ") + "it drops " + String.join(" ", removed))
                        + "; until the host reboots these do nothing (virtwire host plan shows rebootRequired)",
                evidence, "reboot the host (systemctl reboot) when its guests can stop or move; virtwire-host.service re-applies the profile at boot"));
    }

    /** Without the image GRUB names (BOOT_IMAGE=) and GRUB's own variables ($vt_handoff), which are not kernel parameters. */
    private static Set<String> words(List<String> cmdline) {
        Set<String> out = new LinkedHashSet<>();
        for (String w : cmdline) {
            if (!w.isBlank() && !w.startsWith("BOOT_IMAGE=") && !w.startsWith("$")) {
                out.add(w);
            }
        }
        return out;
    }
}
