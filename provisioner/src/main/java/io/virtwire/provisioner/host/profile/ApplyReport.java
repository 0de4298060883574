package io.virtwire.provisioner.host.profile;

import io.virtwire.provisioner.JsonError;
import java.util.List;

/**
 * The JSON of "virtwire host apply".
 *
 * @param changed        whether the host is now different from before the run
 * @param applied        commands that ran and stayed applied
 * @param failedStep     the command that failed, null on success
 * @param error          why it failed: kind HOST, the kernel's answer as message; null on success
 * @param rolledBack     commands run to undo the steps done before the failure, in order
 * @param rollbackErrors undo commands that failed too, each with its error (the host may need a hand then)
 * @param rebootRequired whether the profile asks for something the running kernel gets only at the next boot
 * @param rebootReasons  what that is (a kernel parameter not in /proc/cmdline, options of a loaded module)
 */
public record ApplyReport(boolean changed, List<String> applied, String failedStep, JsonError error, List<String> rolledBack,
                          List<RollbackError> rollbackErrors, boolean rebootRequired, List<String> rebootReasons) {

    public ApplyReport(boolean changed, List<String> applied, String failedStep, JsonError error, List<String> rolledBack, List<RollbackError> rollbackErrors) {
        this(changed, applied, failedStep, error, rolledBack, rollbackErrors, false, List.of());
    }

    /** An undo command that failed: {@code {"step": ..., "error": {"kind": "HOST", "message": ...}}}. */
    public record RollbackError(String step, JsonError error) {

        @Override
        public String toString() {
            return step + ": " + error.message();
        }
    }

    public boolean failed() {
        return failedStep != null;
    }
}
