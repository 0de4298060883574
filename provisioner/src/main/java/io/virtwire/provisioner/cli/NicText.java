package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.nic.InterfaceSummary;
import io.virtwire.provisioner.nic.NicChange;
import java.io.PrintWriter;

/** The text form of attach/detach results. */
final class NicText {

    private NicText() {
    }

    static void print(PrintWriter out, NicChange c) {
        InterfaceSummary i = c.iface();
        // detach-interface --ensure on a NIC that is not there: no interface to name
        String what = i == null ? "no such interface" : i.type() + " " + i.source() + " mac " + i.mac();
        if (!c.changed()) {
            out.println("Unchanged: " + what + " on " + c.domain() + " (" + c.scope() + ")");
        } else {
            String done = switch (c.action()) {
                case "attach" -> "attached";
                case "ensure" -> "ensured";
                default -> "detached";
            };
            out.println("Interface " + done + " successfully: " + what
                    + " on " + c.domain() + " (" + c.scope() + ")" + (c.methods().isEmpty() ? "" : " by " + String.join(", then ", c.methods())));
        }
        for (String note : c.notes()) {
            out.println("note: " + note);
        }
    }
}
