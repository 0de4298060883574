package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.nic.HostdevChange;
import java.io.PrintWriter;

/** The text form of attach-hostdev/detach-hostdev results. */
final class HostdevText {

    private HostdevText() {
    }

    static void print(PrintWriter out, HostdevChange c) {
        String what = "PCI device " + c.device();
        if (!c.changed()) {
            out.println("Unchanged: " + what + " on " + c.domain() + " (" + c.scope() + ")");
        } else {
            out.println("Device " + (c.action().equals("attach") ? "attached" : "detached") + " successfully: " + what
                    + " on " + c.domain() + " (" + c.scope() + ")");
        }
        for (String note : c.notes()) {
            out.println("note: " + note);
        }
    }
}
