package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.hook.HookInstaller;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "uninstall", mixinStandardHelpOptions = true, description = "Remove virtwire's qemu hook (a foreign hook script is left alone).")
public final class HookUninstallCommand implements Runnable {

    @Option(names = "--hooks-dir", paramLabel = "DIR", description = "libvirt's hooks directory (default: /etc/libvirt/hooks)")
    Path hooksDir = Path.of("/etc/libvirt/hooks");

    @Option(names = "--reload", description = "send SIGHUP to libvirtd afterwards")
    boolean reload;

    private final Output output;

    @Inject
    HookUninstallCommand(Output output) {
        this.output = output;
    }

    /** uninstall's JSON. */
    public record Removed(List<String> removed, String note) {
    }

    @Override
    public void run() {
        List<String> removed = new HookInstaller().uninstall(hooksDir);
        Removed r = new Removed(removed, reload ? LibvirtdReload.sighup() : null);
        output.emit(r, out -> {
            out.println(removed.isEmpty() ? "No virtwire hook installed under " + hooksDir : "Removed " + String.join(", ", removed));
            if (r.note() != null) {
                out.println("note: " + r.note());
            }
        });
    }
}
