package io.virtwire.provisioner.allocation;

import java.util.List;

/** What an allocation changes on the host before libvirt gets the device (VF settings, a forwarder port), and its undo. */
interface HostChange {

    /** For a device kind that changes nothing on the host (vDPA, plain PCI passthrough). */
    HostChange NONE = new HostChange() {
        @Override
        public String what() {
            return "nothing";
        }

        @Override
        public List<String> apply() {
            return List.of();
        }

        @Override
        public String undo() {
            return "";
        }

        @Override
        public List<String> preview() {
            return List.of();
        }
    };

    /** Names the changed thing in "configuring ... failed" ("VF 0 (0000:02:10.0) of enp1s0f0"). */
    String what();

    /** Makes the change; returns the notes to show once the attach succeeded. */
    List<String> apply();

    /** Best-effort undo, never throwing; says what it did, or "" when there was nothing to undo. */
    String undo();

    /** What {@link #apply()} would do (--print-xml). */
    List<String> preview();
}
