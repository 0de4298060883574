package io.virtwire.provisioner.host.doctor;

import io.virtwire.provisioner.host.HostInventory;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Runs the checks that matter for the purpose (all of them without one) over an inventory. */
public final class Doctor {

    public static final List<Check> ALL_CHECKS = List.of(
            new IommuDisabledCheck(),
            new IommuPassthroughModeCheck(),
            new VfioPciUnavailableCheck(),
            new IommuGroupNotIsolatedCheck(),
            new AcsMissingCheck(),
            new SriovBusOutOfRangeCheck(),
            new SriovMmioExhaustedCheck(),
            new PfDriverNoSriovCheck(),
            new PfOnUserspaceDriverCheck(),
            new VfMacUnsetCheck(),
            new SwitchdevRequiredCheck(),
            new VhostVdpaMissingCheck(),
            new HugepagesInsufficientCheck(),
            new UioWithIommuCheck(),
            new AerErrorsCheck(),
            new MemlockLimitCheck(),
            new ModuleMissingCheck(),
            new RebootPendingCheck(),
            new VfioInterruptRemappingCheck(),
            new SriovNumvfsBusyCheck(),
            new Vmxnet3UioInterruptsCheck());

    private final List<Check> checks;

    public Doctor() {
        this(ALL_CHECKS);
    }

    public Doctor(List<Check> checks) {
        this.checks = List.copyOf(checks);
    }

    public DoctorReport run(String root, HostInventory inventory, Optional<Purpose> purpose) {
        DoctorContext ctx = new DoctorContext(inventory, purpose);
        List<Finding> findings = new ArrayList<>();
        for (Check c : checks) {
            if (purpose.isEmpty() || purpose.get().selects(c.purposes())) {
                findings.addAll(c.run(ctx));
            }
        }
        return DoctorReport.of(new DoctorReport.Host(root, inventory.kernelRelease()), purpose.map(Enum::name).orElse(null), findings);
    }
}
