package io.virtwire.provisioner.host.profile;

import io.virtwire.provisioner.JsonError;
import io.virtwire.provisioner.VirtwireException;
import java.util.ArrayList;
import java.util.List;

/** Runs a plan; on the first failure undoes, newest first, the steps this run already did. */
public final class Applier {

    public ApplyReport apply(Plan plan, HostActions actions) {
        List<Step> done = new ArrayList<>();
        for (Step step : plan.steps()) {
            try {
                step.apply(actions);
                done.add(step);
            } catch (RuntimeException e) {
                List<String> rolledBack = new ArrayList<>();
                List<ApplyReport.RollbackError> rollbackErrors = new ArrayList<>();
                for (int i = done.size() - 1; i >= 0; i--) {
                    Step undo = done.get(i).undo();
                    try {
                        undo.apply(actions);
                        rolledBack.add(undo.command());
                    } catch (RuntimeException u) {
                        rollbackErrors.add(new ApplyReport.RollbackError(undo.command(), JsonError.of(VirtwireException.Kind.HOST, String.valueOf(u.getMessage()))));
                    }
                }
                return new ApplyReport(!rollbackErrors.isEmpty(), List.of(), step.command(), JsonError.of(VirtwireException.Kind.HOST, String.valueOf(e.getMessage())),
                        List.copyOf(rolledBack), List.copyOf(rollbackErrors), plan.boot().rebootRequired(), plan.boot().reasons());
            }
        }
        return new ApplyReport(!done.isEmpty(), done.stream().map(Step::command).toList(), null, null, List.of(), List.of(),
                plan.boot().rebootRequired(), plan.boot().reasons());
    }
}
