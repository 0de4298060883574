package io.virtwire.provisioner.host.doctor;

import java.util.List;

/** The JSON of "virtwire host doctor": {"host": ..., "purpose": ..., "findings": [...], "summary": {"ok","warn","fail"}}. */
public record DoctorReport(Host host, String purpose, List<Finding> findings, Summary summary) {

    public record Host(String root, String kernelRelease) {
    }

    public record Summary(int ok, int warn, int fail) {
    }

    public static DoctorReport of(Host host, String purpose, List<Finding> findings) {
        int ok = 0;
        int warn = 0;
        int fail = 0;
        for (Finding f : findings) {
            switch (f.status()) {
                case ok -> ok++;
                case warn -> warn++;
                case fail -> fail++;
            }
        }
        return new DoctorReport(host, purpose, List.copyOf(findings), new Summary(ok, warn, fail));
    }

    public boolean failed() {
        return summary.fail() > 0;
    }
}
