package io.virtwire.provisioner.host.doctor;

import io.virtwire.provisioner.host.HostInventory;
import io.virtwire.provisioner.host.KernelState;
import java.util.List;

/**
 * VFIO refuses to attach a device's IOMMU group when the IOMMU cannot remap interrupts (older platforms; seed 000's
 * Microserver Gen8 moved from "vfio-pci driver is not loaded" to a new failure once vfio-pci was loaded): the kernel
 * logs "No interrupt remapping support. Use the module param "allow_unsafe_interrupts" to enable VFIO IOMMU support on
 * this platform" and VFIO_SET_IOMMU fails with EPERM, "Operation not permitted", in QEMU and in DPDK.
 */
final class VfioInterruptRemappingCheck extends BaseCheck {

    static final String ID = "vfio-interrupt-remapping";

    VfioInterruptRemappingCheck() {
        super(ID, Purpose.hostdev, Purpose.dpdk);
    }

    @Override
    public List<Finding> run(DoctorContext ctx) {
        HostInventory inv = ctx.inventory();
        KernelState k = inv.kernel();
        if (!inv.iommu().enabled() || k.interruptRemapping() == null) {
            return List.of();
        }
        String param = k.moduleParameters().getOrDefault("vfio_iommu_type1", java.util.Map.of()).getOrDefault("allow_unsafe_interrupts", "not loaded");
        List<Evidence> evidence = List.of(
                new Evidence("/sys/class/iommu/*/intel-iommu/ecap (bit 3, IR)", k.interruptRemapping() ? "interrupt remapping on" : "no interrupt remapping"),
                new Evidence("/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts", param));
        if (k.interruptRemapping()) {
            return List.of(Finding.ok(ID, "host", "the IOMMU remaps interrupts: VFIO can attach devices safely", evidence));
        }
        if (k.unsafeInterruptsAllowed()) {
            return List.of(Finding.problem(ID, Status.warn, "host", "no interrupt remapping; VFIO works because vfio_iommu_type1 allow_unsafe_interrupts=1, "
                    + "which lets a device given to a guest or DPDK raise interrupts (MSI) the IOMMU cannot confine",
                    evidence, "enable interrupt remapping in the firmware (VT-d with x2APIC) if the platform has it, then drop the module option"));
        }
        return List.of(Finding.problem(ID, Status.fail, "host",
                "the IOMMU does not remap interrupts: binding to vfio-pci works, but opening the group fails with 'Operation not permitted' "
                        + "(dmesg: 'No interrupt remapping support. Use the module param \"allow_unsafe_interrupts\" to enable VFIO IOMMU support on this platform'; "
                        + "DPDK: 'cannot set IOMMU type, error 1 (Operation not permitted)')",
                evidence, "host profile: kernel: {moduleOptions: {vfio_iommu_type1: \"allow_unsafe_interrupts=1\"}}, then virtwire host apply "
                        + "(writes /etc/modprobe.d/virtwire.conf; reboot or reload vfio_iommu_type1 while no device uses it) -- this trusts the "
                        + "devices' interrupts; better, enable interrupt remapping in the firmware if it has it"));
    }
}
