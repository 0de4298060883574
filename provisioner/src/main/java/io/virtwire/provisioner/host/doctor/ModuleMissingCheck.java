package io.virtwire.provisioner.host.doctor;

import io.virtwire.provisioner.host.HostInventory;
import io.virtwire.provisioner.host.KernelState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A module the host's devices need is not loaded: modules virtwire's modules-load.d file lists (the profile's
 * kernel.modules, and what its devices imply) that are not in the running kernel (a boot where loading failed, or a
 * kernel without them), vdpa devices without vhost_vdpa (no /dev/vhost-vdpa-N), devices reserved for DPDK without
 * vfio-pci.
 */
final class ModuleMissingCheck extends BaseCheck {

    static final String ID = "module-missing";

    ModuleMissingCheck() {
        super(ID, Purpose.hostdev, Purpose.vdpa, Purpose.dpdk);
    }

    @Override
    public List<Finding> run(DoctorContext ctx) {
        HostInventory inv = ctx.inventory();
        KernelState k = inv.kernel();
        List<Finding> out = new ArrayList<>();
        String listed = k.file(KernelState.MODULES_LOAD);
        if (listed != null) {
            for (String m : listed.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList()) {
                Evidence e = new Evidence(KernelState.MODULES_LOAD, m);
                if (k.loaded(m)) {
                    out.add(Finding.ok(ID, m, m + " is loaded, as " + KernelState.MODULES_LOAD + " asks", List.of(e)));
                } else {
                    out.add(missing(m, inv, "listed in " + KernelState.MODULES_LOAD + " (the host profile) but not loaded: the boot did not load it", e));
                }
            }
        }
        if (!inv.vdpaDevices().isEmpty() && !k.loaded("vhost_vdpa")) {
            out.add(missing("vhost_vdpa", inv, "vdpa devices " + String.join(", ", inv.vdpaDevices().stream().map(d -> d.name()).toList())
                    + " exist, but without vhost_vdpa none has a /dev/vhost-vdpa-N for QEMU or libvirt's <interface type='vdpa'>",
                    new Evidence("/sys/bus/vdpa/drivers/vhost_vdpa", "absent")));
        }
        if (!inv.reservations().isEmpty() && !k.loaded("vfio-pci")) {
            out.add(missing("vfio-pci", inv, "devices are reserved for " + String.join(", ", Map.copyOf(inv.reservations()).values().stream().distinct().toList())
                    + " (" + KernelState.RESERVATIONS + "), and DPDK needs vfio-pci on a host with an IOMMU ('device is bound to IOMMU group and vfio-pci "
                    + "driver is not loaded')", new Evidence("/sys/bus/pci/drivers/vfio-pci", "absent")));
        }
        return out;
    }

    private static Finding missing(String module, HostInventory inv, String why, Evidence evidence) {
        KernelState k = inv.kernel();
        String fix = k.available(module)
                ? "modprobe " + module + " (host apply does it, and lists it in " + KernelState.MODULES_LOAD + " for the next boots)"
                : "kernel " + inv.kernelRelease() + " has no " + module + " (not in /lib/modules/" + inv.kernelRelease()
                        + "/modules.dep): install its extra modules (Ubuntu: apt install linux-modules-extra-" + inv.kernelRelease() + "), then modprobe " + module;
        return Finding.problem(ID, Status.fail, module, module + ": " + why, List.of(evidence), fix);
    }
}
