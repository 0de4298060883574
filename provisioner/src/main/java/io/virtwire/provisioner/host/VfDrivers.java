package io.virtwire.provisioner.host;

import java.util.Map;
import java.util.Optional;

/** The kernel driver that binds a PF's VFs by default (what sriov_drivers_autoprobe loads). */
public final class VfDrivers {

    private static final Map<String, String> BY_PF_DRIVER = Map.of("igb", "igbvf", "ixgbe", "ixgbevf", "i40e", "iavf", "ice", "iavf",
            "mlx5_core", "mlx5_core", "bnxt_en", "bnxt_en", "qede", "qede");

    private VfDrivers() {
    }

    /** Empty when the PF driver is unknown or cannot create VFs (vfio-pci, uio). */
    public static Optional<String> defaultFor(String pfDriver) {
        return Optional.ofNullable(pfDriver == null ? null : BY_PF_DRIVER.get(pfDriver));
    }
}
