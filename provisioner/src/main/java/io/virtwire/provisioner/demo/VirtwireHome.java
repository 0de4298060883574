package io.virtwire.provisioner.demo;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The checkout or installation the CLI runs from: bin/, scripts/, build/guest, forwarder/target. bin/virtwire
 * exports VIRTWIRE_HOME; otherwise it is found from where this class was loaded
 * (HOME/provisioner/target/virtwire-provisioner.jar or HOME/provisioner/target/classes).
 */
public final class VirtwireHome {

    private VirtwireHome() {
    }

    public static Path locate(Optional<String> fromEnvironment) {
        if (fromEnvironment.isPresent()) {
            return Path.of(fromEnvironment.get()).toAbsolutePath().normalize();
        }
        try {
            Path loaded = Path.of(VirtwireHome.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path target = loaded.getParent();
            if (target != null && target.getParent() != null && target.getParent().getParent() != null) {
                return target.getParent().getParent().toAbsolutePath().normalize();
            }
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            // fall through to the working directory
        }
        return Path.of("").toAbsolutePath();
    }

    public static Path forwarderLauncher(Path home) {
        return home.resolve("bin/virtwire-forwarder");
    }

    public static Path forwarderJar(Path home) {
        return home.resolve("forwarder/target/virtwire-forwarder.jar");
    }

    public static Path guestKernel(Path home) {
        return home.resolve("build/guest/vmlinuz");
    }

    public static Path guestInitrd(Path home) {
        return home.resolve("build/guest/initramfs.cpio.gz");
    }
}
