package io.virtwire.provisioner.host;

import java.util.Optional;

/** The kernel driver of a PF by its PCI IDs: what "driver: kernel" binds back and what fixes name. */
public final class PfDrivers {

    private PfDrivers() {
    }

    public static Optional<String> kernelDriverFor(String vendor, String device) {
        String id = vendor + ":" + device;
        return Optional.ofNullable(switch (id) {
            case "0x8086:0x1521", "0x8086:0x1523", "0x8086:0x1522" -> "igb";
            case "0x8086:0x15f3", "0x8086:0x125b" -> "igc";
            case "0x8086:0x10fb", "0x8086:0x1528", "0x8086:0x154d", "0x8086:0x10f8" -> "ixgbe";
            case "0x8086:0x1572", "0x8086:0x1583", "0x8086:0x158b" -> "i40e";
            case "0x8086:0x1592", "0x8086:0x159b" -> "ice";
            case "0x8086:0x100f" -> "e1000";
            case "0x15ad:0x07b0" -> "vmxnet3";
            case "0x15b3:0x101d", "0x15b3:0x1017", "0x15b3:0x1019", "0x15b3:0x101b" -> "mlx5_core";
            default -> null;
        });
    }
}
