package io.virtwire.provisioner.host.profile;

/** One host change, shown as the command an operator would type, and the step that reverts it. */
public interface Step {

    String command();

    void apply(HostActions actions);

    /** The step restoring the state this one found (computed at plan time). */
    Step undo();
}
