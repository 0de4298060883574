package io.virtwire.provisioner.demo;

import java.io.PrintWriter;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What the demo has created, undone in reverse order: domains, the forwarder, the network namespace, the run
 * directory. Runs once, from the demo's own {@code finally} or from the JVM's shutdown hook on Ctrl-C, whichever
 * comes first; a failing step is reported and the rest still run.
 */
public final class DemoCleanup {

    /** One undo step: the command line shown to the user and the action. */
    public interface Action {
        void run() throws Exception;
    }

    private record Step(java.util.function.Supplier<String> shown, Action action) {
    }

    private final Deque<Step> steps = new ArrayDeque<>();
    private final PrintWriter out;
    private boolean done;

    public DemoCleanup(PrintWriter out) {
        this.out = out;
    }

    public void add(String shown, Action action) {
        add(() -> shown, action);
    }

    /** {@code shown} is asked when the step runs (e.g. a pid only known later); null runs the step without showing it. */
    public synchronized void add(java.util.function.Supplier<String> shown, Action action) {
        if (done) {
            // created after a Ctrl-C cleaned up: undo it at once
            runStep(new Step(shown, action));
            return;
        }
        steps.push(new Step(shown, action));
    }

    public synchronized void runAll() {
        if (done) {
            return;
        }
        done = true;
        if (!steps.isEmpty()) {
            out.println();
            out.println("== Cleaning up");
        }
        while (!steps.isEmpty()) {
            runStep(steps.pop());
        }
        out.flush();
    }

    private void runStep(Step step) {
        String shown = step.shown().get();
        if (shown != null) { // null: nothing left to undo worth showing (e.g. a process that has ended)
            out.println("$ " + shown);
            out.flush();
        }
        try {
            step.action().run();
        } catch (Exception e) {
            out.println("   (failed: " + e.getMessage() + ")");
        }
    }
}
