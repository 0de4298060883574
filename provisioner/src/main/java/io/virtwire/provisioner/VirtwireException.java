package io.virtwire.provisioner;

/**
 * A failure the user can act on: the message names the value and the rule broken, and where possible
 * the fix. The {@link Kind} decides the CLI's exit code; nothing else about the failure is encoded there.
 */
public class VirtwireException extends RuntimeException {

    /** What went wrong, in the categories an operator (or Ansible) branches on. */
    public enum Kind {
        /** A value given by the user breaks a rule (bad MAC, VLAN > 4094, relative socket path, ...). */
        INVALID_INPUT,
        /** Something named by the user does not exist (domain, template, PF, interface). */
        NOT_FOUND,
        /** The request conflicts with the current state (VF in use, duplicate MAC, domain not running). */
        CONFLICT,
        /** libvirt refused or could not be reached. */
        LIBVIRT,
        /** A host change (sysfs write, ip link, devlink) failed. */
        HOST,
        /** A check ran and found a problem (doctor). */
        CHECK_FAILED,
        /** A required external component is missing (e.g. virt-xml-validate, QEMU). */
        UNAVAILABLE
    }

    private final Kind kind;

    public VirtwireException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public VirtwireException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    public static VirtwireException invalid(String message) {
        return new VirtwireException(Kind.INVALID_INPUT, message);
    }

    public static VirtwireException notFound(String message) {
        return new VirtwireException(Kind.NOT_FOUND, message);
    }

    public static VirtwireException conflict(String message) {
        return new VirtwireException(Kind.CONFLICT, message);
    }
}
