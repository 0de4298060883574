package io.virtwire.provisioner.host;

import java.util.ArrayList;
import java.util.List;

/** ACS capability and control registers (lspci's ACSCap / ACSCtl). */
public record AcsCapability(int offset, int capability, int control) {

    public static final int SOURCE_VALIDATION = 1;
    public static final int TRANSLATION_BLOCKING = 1 << 1;
    public static final int REQUEST_REDIRECT = 1 << 2;
    public static final int COMPLETION_REDIRECT = 1 << 3;
    public static final int UPSTREAM_FORWARDING = 1 << 4;
    public static final int EGRESS_CONTROL = 1 << 5;
    public static final int DIRECT_TRANSLATED = 1 << 6;

    /** What the kernel requires of a port for its downstream devices to be isolated (PCI_ACS_SV|RR|CR|UF). */
    public static final int ISOLATION = SOURCE_VALIDATION | REQUEST_REDIRECT | COMPLETION_REDIRECT | UPSTREAM_FORWARDING;

    public boolean enforcesIsolation() {
        return (control & ISOLATION) == ISOLATION;
    }

    /** lspci's rendering, e.g. "SrcValid- TransBlk- ReqRedir- CmpltRedir- UpstreamFwd- EgressCtrl- DirectTrans-". */
    public static String describe(int bits) {
        String[] names = {"SrcValid", "TransBlk", "ReqRedir", "CmpltRedir", "UpstreamFwd", "EgressCtrl", "DirectTrans"};
        List<String> out = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            out.add(names[i] + ((bits & 1 << i) != 0 ? "+" : "-"));
        }
        return String.join(" ", out);
    }

    public String capText() {
        return describe(capability);
    }

    public String ctlText() {
        return describe(control);
    }
}
