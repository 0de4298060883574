package io.virtwire.provisioner.demo;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Decides whether the real demo can run here: root, QEMU, a libvirtd answering on qemu:///system, {@code ip netns},
 * the forwarder's launcher and jar, and the guest image. Each missing piece is one {@link Missing} with the reason
 * and the fix, printed as one line when the demo falls back to the test driver.
 */
public final class DemoPrerequisites {

    public static final String URI = "qemu:///system";
    public static final String QEMU = "qemu-system-x86_64";

    /** One missing prerequisite: why the real demo cannot run, and how to fix it. */
    public record Missing(String why, String fix) {
        public String line() {
            return "real demo skipped: " + why + "; " + fix;
        }
    }

    private final DemoHost host;
    private final Path home;
    private final int libvirtAttempts;
    private final long libvirtAttemptMillis;

    public DemoPrerequisites(DemoHost host, Path home) {
        this(host, home, 50, 200); // libvirtd answers within 10 s of its start, as scripts/lib/libvirtd.sh waits
    }

    DemoPrerequisites(DemoHost host, Path home, int libvirtAttempts, long libvirtAttemptMillis) {
        this.host = host;
        this.home = home;
        this.libvirtAttempts = libvirtAttempts;
        this.libvirtAttemptMillis = libvirtAttemptMillis;
    }

    /**
     * Checks everything and returns what is missing (empty: the real demo can run). As root, a libvirtd that does
     * not answer is started first; each command that runs is passed to {@code ran} so the user sees it.
     */
    public List<Missing> check(Consumer<String> ran) {
        List<Missing> missing = new ArrayList<>();
        boolean root = host.root();
        if (!root) {
            missing.add(new Missing("not running as root (it creates a network namespace, starts the forwarder and"
                    + " defines guests on " + URI + ")", "run it as root: sudo bin/virtwire demo"));
        }
        if (host.onPath(QEMU).isEmpty()) {
            missing.add(new Missing(QEMU + " is not installed", "apt-get install qemu-system-x86 (scripts/setup installs it)"));
        }
        if (host.onPath("ip").isEmpty()) {
            missing.add(new Missing("the ip command (iproute2) is not installed", "apt-get install iproute2"));
        } else {
            host.netnsError().ifPresent(why -> missing.add(new Missing("'ip netns' does not work here (" + why + ")",
                    "network namespaces need a kernel with CONFIG_NET_NS and root (in a container: --privileged)")));
        }
        Path launcher = VirtwireHome.forwarderLauncher(home);
        Path jar = VirtwireHome.forwarderJar(home);
        if (!host.isFile(launcher) || !host.isFile(jar)) {
            missing.add(new Missing("the forwarder is not built (" + (host.isFile(launcher) ? jar : launcher) + " is missing)",
                    "run " + home.resolve("scripts/setup") + " (or mvn -o -q package -DskipTests)"));
        }
        Path kernel = VirtwireHome.guestKernel(home);
        Path initrd = VirtwireHome.guestInitrd(home);
        if (!host.isFile(kernel) || !host.isFile(initrd)) {
            missing.add(new Missing("the guest image is missing (" + (host.isFile(kernel) ? initrd : kernel) + ")",
                    "run " + home.resolve("scripts/build-guest") + " (scripts/setup runs it)"));
        }
        if (root) {
            // without root the line above says it all: as root the demo starts a silent libvirtd itself
            libvirt(ran).ifPresent(missing::add);
        }
        return missing;
    }

    private Optional<Missing> libvirt(Consumer<String> ran) {
        Optional<String> error = host.libvirtError(URI);
        if (error.isEmpty()) {
            return Optional.empty();
        }
        if (host.onPath("libvirtd").isEmpty()) {
            return Optional.of(new Missing("libvirtd is not installed (" + URI + " does not answer)",
                    "apt-get install libvirt-daemon-system (scripts/setup installs it)"));
        }
        host.startLibvirtd().forEach(ran);
        for (int i = 0; i < libvirtAttempts; i++) {
            error = host.libvirtError(URI);
            if (error.isEmpty()) {
                return Optional.empty();
            }
            sleep(libvirtAttemptMillis);
        }
        return Optional.of(new Missing(URI + " does not answer even after starting libvirtd (" + error.get() + ")",
                "see /var/log/libvirt/libvirtd.log, or start it yourself: systemctl start libvirtd"));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
