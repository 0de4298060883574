package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.VirtwireException;

/** The CLI's exit codes. Stable: scripts and the Ansible collection branch on them. */
public final class ExitCode {
    public static final int OK = 0;
    /** A check found a failing condition (doctor), or a generic failure. */
    public static final int FAILED = 1;
    /** Bad command line or bad value (picocli usage errors use it too). */
    public static final int INVALID_INPUT = 2;
    public static final int NOT_FOUND = 3;
    public static final int CONFLICT = 4;
    public static final int LIBVIRT_ERROR = 5;
    /**
     * A host change failed, or virtwire's own state on the host is unusable: an allocation record that breaks its
     * schema (the error names the entry and field), one that cannot be written, a lock file that is not a regular file.
     */
    public static final int HOST_ERROR = 6;
    public static final int UNAVAILABLE = 69;
    /** A bug in virtwire. */
    public static final int INTERNAL = 70;

    private ExitCode() {
    }

    public static int of(VirtwireException.Kind kind) {
        return switch (kind) {
            case INVALID_INPUT -> INVALID_INPUT;
            case NOT_FOUND -> NOT_FOUND;
            case CONFLICT -> CONFLICT;
            case LIBVIRT -> LIBVIRT_ERROR;
            case HOST -> HOST_ERROR;
            case CHECK_FAILED -> FAILED;
            case UNAVAILABLE -> UNAVAILABLE;
        };
    }
}
