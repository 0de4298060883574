package io.virtwire.provisioner.host.profile;

import java.util.List;

/** Ordered steps converging the host to a profile; empty when the host already matches. */
public record Plan(List<Step> steps) {

    public Plan {
        steps = List.copyOf(steps);
    }

    public boolean isEmpty() {
        return steps.isEmpty();
    }

    public List<String> commands() {
        return steps.stream().map(Step::command).toList();
    }
}
