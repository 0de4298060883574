package io.virtwire.provisioner.host.doctor;

import java.util.List;

/**
 * One check result.
 *
 * @param id       stable id, documented in docs/troubleshooting.md
 * @param subject  what it is about: a PCI address, a netdev, an IOMMU group, or "host"
 * @param message  what is wrong (or right), quoting the error text users would see
 * @param evidence the paths and values the verdict rests on
 * @param fix      the exact command or kernel parameter; null when ok
 */
public record Finding(String id, Status status, String subject, String message, List<Evidence> evidence, String fix) {

    public static Finding ok(String id, String subject, String message, List<Evidence> evidence) {
        return new Finding(id, Status.ok, subject, message, List.copyOf(evidence), null);
    }

    public static Finding problem(String id, Status status, String subject, String message, List<Evidence> evidence, String fix) {
        return new Finding(id, status, subject, message, List.copyOf(evidence), fix);
    }
}
