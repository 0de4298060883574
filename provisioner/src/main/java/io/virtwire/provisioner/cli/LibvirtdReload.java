package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.host.ProcessCommandRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** SIGHUP to the running libvirt daemon: it re-reads its hooks directory (virHookInitialize runs on reload). */
final class LibvirtdReload {

    private LibvirtdReload() {
    }

    static String sighup() {
        for (String name : List.of("libvirtd", "virtqemud")) {
            Path pidFile = Path.of("/run/" + name + ".pid");
            if (!Files.isRegularFile(pidFile)) {
                continue;
            }
            String pid;
            try {
                pid = Files.readString(pidFile).strip();
            } catch (IOException e) {
                throw new VirtwireException(VirtwireException.Kind.HOST, "cannot signal " + name + ": " + e, e);
            }
            ProcessCommandRunner.Result r = ProcessCommandRunner.execute(List.of("kill", "-HUP", pid), Duration.ofSeconds(10));
            if (r.exit() == ProcessCommandRunner.NOT_STARTED || r.exit() == ProcessCommandRunner.INTERRUPTED) {
                throw new VirtwireException(VirtwireException.Kind.HOST, "cannot signal " + name + ": " + r.output());
            }
            if (!r.ok()) {
                throw new VirtwireException(VirtwireException.Kind.HOST, "kill -HUP " + pid + " (" + name + ") failed: " + r.output());
            }
            return "sent SIGHUP to " + name + " (pid " + pid + "): it re-read the hooks directory";
        }
        throw VirtwireException.notFound("no /run/libvirtd.pid or /run/virtqemud.pid: restart libvirt yourself for it to read the hook");
    }
}
