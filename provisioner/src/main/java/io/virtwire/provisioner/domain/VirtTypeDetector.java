package io.virtwire.provisioner.domain;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Chooses the libvirt domain type: "kvm" where KVM can boot ordinary guests, else "qemu" (TCG).
 * A /dev/kvm backed by kvm_pvm (PVM, nested-virt-without-VT sandboxes) starts domains whose ordinary
 * kernels then hang, so it counts as no KVM.
 */
public final class VirtTypeDetector {

    private final Path hostRoot;

    public VirtTypeDetector(Path hostRoot) {
        this.hostRoot = hostRoot;
    }

    public Choice detect() {
        if (!Files.exists(hostRoot.resolve("dev/kvm"))) {
            return new Choice("qemu", "/dev/kvm is absent: guests run under TCG (slow, for tests and demos)");
        }
        if (Files.isDirectory(hostRoot.resolve("sys/module/kvm_pvm"))) {
            return new Choice("qemu", "/dev/kvm is a PVM backend (kvm_pvm) that does not boot ordinary guest kernels: using TCG");
        }
        return new Choice("kvm", "/dev/kvm is present");
    }

    public record Choice(String virtType, String reason) {
    }
}
