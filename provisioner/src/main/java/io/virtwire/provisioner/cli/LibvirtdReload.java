package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.VirtwireException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
            try {
                String pid = Files.readString(pidFile).strip();
                Process p = new ProcessBuilder("kill", "-HUP", pid).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes());
                if (p.waitFor() != 0) {
                    throw new VirtwireException(VirtwireException.Kind.HOST, "kill -HUP " + pid + " (" + name + ") failed: " + out.strip());
                }
                return "sent SIGHUP to " + name + " (pid " + pid + "): it re-read the hooks directory";
            } catch (IOException e) {
                throw new VirtwireException(VirtwireException.Kind.HOST, "cannot signal " + name + ": " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new VirtwireException(VirtwireException.Kind.HOST, "interrupted while signalling " + name, e);
            }
        }
        throw VirtwireException.notFound("no /run/libvirtd.pid or /run/virtqemud.pid: restart libvirt yourself for it to read the hook");
    }
}
