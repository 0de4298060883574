package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.hook.HookInstaller;
import io.virtwire.provisioner.host.ProcessCommandRunner;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "install", mixinStandardHelpOptions = true,
        description = "Install the qemu hook (/etc/libvirt/hooks/qemu.d/virtwire on libvirt >= 6.5, else /etc/libvirt/hooks/qemu).")
public final class HookInstallCommand implements Runnable {

    @Option(names = "--hooks-dir", paramLabel = "DIR", description = "libvirt's hooks directory (default: /etc/libvirt/hooks)")
    Path hooksDir = Path.of("/etc/libvirt/hooks");

    @Option(names = "--libvirt-version", paramLabel = "X.Y.Z", description = "libvirt's version (default: from 'libvirtd --version')")
    String libvirtVersion;

    @Option(names = "--launcher", paramLabel = "PATH", description = "the virtwire launcher the hook runs (default: this installation's bin/virtwire)")
    Path launcher;

    @Option(names = "--reload", description = "send SIGHUP to libvirtd afterwards so it reads the hooks directory again")
    boolean reload;

    private final GlobalOptions globals;
    private final Output output;

    @Inject
    HookInstallCommand(GlobalOptions globals, Output output) {
        this.globals = globals;
        this.output = output;
    }

    @Override
    public void run() {
        long version = HookInstaller.parseVersion(libvirtVersion != null ? libvirtVersion : detectVersion());
        Path exe = (launcher != null ? launcher : defaultLauncher()).toAbsolutePath().normalize();
        if (!Files.isExecutable(exe)) {
            throw VirtwireException.invalid("--launcher " + exe + " is not an executable file: point it at bin/virtwire");
        }
        HookInstaller.Installed done = new HookInstaller().install(hooksDir, version, exe, globals.stateDir().toAbsolutePath(),
                globals.hostRoot().toAbsolutePath(), globals.forwarderSocket().toAbsolutePath());
        String note = done.note();
        if (reload) {
            note = LibvirtdReload.sighup();
        }
        HookInstaller.Installed result = new HookInstaller.Installed(done.path(), done.layout(), done.launcher(), done.stateDir(), done.hostRoot(),
                done.forwarder(), done.changed(), note);
        output.emit(result, out -> {
            out.println((result.changed() ? "Installed " : "Already installed: ") + result.path() + " (runs " + result.launcher() + ")");
            out.println("note: " + result.note());
        });
    }

    private static String detectVersion() {
        for (String daemon : List.of("libvirtd", "virtqemud")) {
            try {
                return new ProcessCommandRunner().run(List.of(daemon, "--version"));
            } catch (RuntimeException e) {
                // try the next daemon name
            }
        }
        throw VirtwireException.invalid("cannot run 'libvirtd --version' or 'virtqemud --version': give --libvirt-version X.Y.Z");
    }

    /** bin/virtwire next to the provisioner/target directory this jar was started from. */
    private static Path defaultLauncher() {
        try {
            Path jar = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path bin = jar.getParent().getParent().getParent().resolve("bin/virtwire");
            if (Files.isExecutable(bin)) {
                return bin;
            }
        } catch (Exception e) {
            // fall through to the error below
        }
        throw VirtwireException.invalid("cannot find this installation's bin/virtwire: give --launcher PATH");
    }
}
