package io.virtwire.templates;

import java.util.Optional;

/**
 * What a rendered domain differs in from its template.
 *
 * @param name      domain name (libvirt: non-empty, no '/')
 * @param memoryKiB guest RAM in KiB
 * @param vcpus     virtual CPUs
 * @param virtType  libvirt domain type: "kvm", or "qemu" for TCG where KVM cannot boot guests
 * @param boot      how the guest boots
 * @param serialLog when present, the serial console is written to this file instead of a pty
 *                  (tests read guests' output from it)
 */
public record DomainParameters(String name, long memoryKiB, int vcpus, String virtType, Boot boot, Optional<String> serialLog) {

    public DomainParameters {
        if (name == null || name.isBlank() || name.contains("/") || name.length() > 200) {
            throw new IllegalArgumentException("invalid domain name '" + name + "': must be 1-200 characters without '/'");
        }
        if (memoryKiB < 1024) {
            throw new IllegalArgumentException("memory " + memoryKiB + " KiB is too small: give at least 1MiB (e.g. --memory 512MiB)");
        }
        if (vcpus < 1 || vcpus > 4096) {
            throw new IllegalArgumentException("vcpus " + vcpus + " is out of range: must be 1-4096");
        }
        if (!"kvm".equals(virtType) && !"qemu".equals(virtType)) {
            throw new IllegalArgumentException("virt type '" + virtType + "' is not supported: use kvm or qemu (TCG)");
        }
    }

    /** How the guest boots: direct kernel boot, a disk image, or nothing (a definition to fill in later). */
    public sealed interface Boot {
        record Kernel(String kernel, Optional<String> initrd, Optional<String> cmdline) implements Boot {
        }

        record Disk(String path) implements Boot {
        }

        record None() implements Boot {
        }
    }
}
