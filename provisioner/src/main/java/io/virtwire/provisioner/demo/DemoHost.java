package io.virtwire.provisioner.demo;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What the real demo's prerequisite check asks of the host. An interface so the fallback decision and its
 * messages can be tested with a fake host (not root, no QEMU, ...) on a machine that has everything.
 */
public interface DemoHost {

    /** Whether this process runs as root (the demo creates a network namespace and talks to qemu:///system). */
    boolean root();

    /** The command's path when it is on PATH (or in /usr/sbin, /sbin, where ip and libvirtd live). */
    Optional<Path> onPath(String command);

    boolean isFile(Path path);

    /** Why libvirt at {@code uri} does not answer, or empty when it does. */
    Optional<String> libvirtError(String uri);

    /**
     * Starts virtlogd and libvirtd where they are not running (as scripts/lib/libvirtd.sh does on hosts without
     * systemd) and returns the command lines it ran.
     */
    List<String> startLibvirtd();

    /** Why {@code ip netns} does not work here, or empty when it does. */
    Optional<String> netnsError();
}
