package io.virtwire.provisioner.host.profile;

import java.util.List;

/**
 * Ordered steps converging the host to a profile; empty when the host already matches.
 *
 * @param boot whether the running kernel can have everything the profile asks for without a reboot
 */
public record Plan(List<Step> steps, Boot boot) {

    public Plan {
        steps = List.copyOf(steps);
    }

    public Plan(List<Step> steps) {
        this(steps, Boot.NONE);
    }

    public boolean isEmpty() {
        return steps.isEmpty();
    }

    public List<String> commands() {
        return steps.stream().map(Step::command).toList();
    }

    /**
     * @param rebootRequired whether the profile asks for something the running kernel only gets by booting again
     * @param reasons        one line per such thing (a parameter missing from /proc/cmdline, options of a loaded module)
     * @param current        /proc/cmdline
     * @param nextBoot       the command line the next boot will have once this plan is applied
     */
    public record Boot(boolean rebootRequired, List<String> reasons, String current, String nextBoot) {
        public static final Boot NONE = new Boot(false, List.of(), null, null);

        public Boot {
            reasons = List.copyOf(reasons);
        }
    }
}
