package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.host.HostInventory;
import io.virtwire.provisioner.host.doctor.Doctor;
import io.virtwire.provisioner.host.doctor.DoctorReport;
import io.virtwire.provisioner.host.doctor.Evidence;
import io.virtwire.provisioner.host.doctor.Finding;
import io.virtwire.provisioner.host.doctor.Purpose;
import io.virtwire.provisioner.host.doctor.Status;
import io.virtwire.provisioner.host.profile.HostAccess;
import jakarta.inject.Inject;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Diagnose what blocks SR-IOV passthrough, vDPA, vhost-user or DPDK on this host, with evidence and the exact fix.",
                "Exit status 0 when nothing fails, 1 otherwise. Ids are explained in docs/troubleshooting.md."})
public final class HostDoctorCommand implements Callable<Integer> {

    private final GlobalOptions globals;
    private final Output output;
    private final HostAccess.Factory hosts;

    @Option(names = "--for", paramLabel = "KIND", defaultValue = "vm",
            description = "what the host is for: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}: every way a VM gets a NIC; "
                    + "dpdk: NICs owned by DPDK/VPP, where a PF on vfio-pci is right)")
    Purpose purpose;

    @Option(names = "--verbose", description = "also list the checks that passed (text output)")
    boolean verbose;

    @Inject
    public HostDoctorCommand(GlobalOptions globals, Output output, HostAccess.Factory hosts) {
        this.globals = globals;
        this.output = output;
        this.hosts = hosts;
    }

    @Override
    public Integer call() {
        HostInventory inv = hosts.open(globals.hostRoot()).inventory();
        DoctorReport report = new Doctor().run(globals.hostRoot().toString(), inv, Optional.ofNullable(purpose));
        output.emit(report, out -> render(report, verbose, out));
        return report.failed() ? ExitCode.FAILED : ExitCode.OK;
    }

    static void render(DoctorReport report, boolean verbose, PrintWriter out) {
        for (Finding f : report.findings()) {
            if (f.status() == Status.ok && !verbose) {
                continue;
            }
            out.println(f.status().name().toUpperCase() + "  " + f.id() + "  [" + f.subject() + "]");
            out.println("      " + f.message());
            for (Evidence e : f.evidence()) {
                out.println("      evidence: " + e.path() + " = " + e.value());
            }
            if (f.fix() != null) {
                out.println("      fix: " + f.fix());
            }
        }
        DoctorReport.Summary s = report.summary();
        out.println(s.ok() + " ok, " + s.warn() + " warn, " + s.fail() + " fail" + (report.purpose() == null ? "" : " (for " + report.purpose() + ")"));
    }
}
